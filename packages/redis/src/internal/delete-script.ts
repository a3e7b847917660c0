/**
 * Deletes `KEYS[1]` only while it still holds `ARGV[1]` (the set this storage last read, wrote or
 * heard there). Returns 1 when deleted, 0 when the key holds another value (a set another replica
 * stored meanwhile: kept), nothing, or another type (`pcall`: no WRONGTYPE error).
 */
export const DELETE_SCRIPT = `if redis.pcall('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;
