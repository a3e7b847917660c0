/**
 * Lua: marks `KEYS[1]` removed — an empty value for the rest of the removed value's life (a
 * tombstone that holds nothing, not even the removed set), or no key when that value has no expiry
 * — and publishes `message` on the channel of the same name. A subscriber that was disconnected
 * meanwhile reads the removal back from the key, and tells it from a key Redis lost (a restart
 * without persistence, a flush, a failover), which is absent (docs/decisions/0508).
 */
const MARK = `local function mark(message)
  local ttl = redis.call('pttl', KEYS[1])
  if ttl > 0 then redis.call('set', KEYS[1], '', 'PX', ttl) else redis.call('del', KEYS[1]) end
  redis.call('publish', KEYS[1], message)
end
`;

/**
 * Deletes `KEYS[1]` only while it still holds `ARGV[1]` (the set this storage last read, wrote or
 * heard there); marks it removed instead, with the message `ARGV[2]`, unless that is empty.
 * Returns 1 when deleted, 0 when the key holds another value (a set another replica stored
 * meanwhile: kept), nothing, or another type (`pcall`: no WRONGTYPE error).
 */
export const DELETE_SCRIPT = `${MARK}if redis.pcall('get', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '' then redis.call('del', KEYS[1]) else mark(ARGV[2]) end
  return 1
end
return 0`;

/** Marks `KEYS[1]` removed (a sign-out), with the empty message. */
export const REMOVE_SCRIPT = `${MARK}mark('')`;

/**
 * Starts the message that announces the deletion of the set that follows it, replaced by a set with
 * another refresh token that Redis may not hold: only the storages that hold that set drop it
 * (docs/decisions/0507). A stored value starts with `{` or `v1.`, a removal is empty.
 */
export const REPLACED = 'replaced:';
