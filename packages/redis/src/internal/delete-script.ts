/**
 * Deletes `KEYS[1]` only while it still holds `ARGV[1]` (the set this storage last read, wrote or
 * heard there), and then publishes `ARGV[2]` on the channel of the same name unless it is empty.
 * Returns 1 when deleted, 0 when the key holds another value (a set another replica stored
 * meanwhile: kept), nothing, or another type (`pcall`: no WRONGTYPE error).
 */
export const DELETE_SCRIPT = `if redis.pcall('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  if ARGV[2] ~= '' then redis.call('publish', KEYS[1], ARGV[2]) end
  return 1
end
return 0`;

/**
 * Starts the message that announces the deletion of the set that follows it, replaced by a set with
 * another refresh token that Redis may not hold: only the storages that hold that set drop it
 * (docs/decisions/0507). A stored value starts with `{` or `v1.`, a removal is empty.
 */
export const REPLACED = 'replaced:';
