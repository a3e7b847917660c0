/**
 * The longest value read: 1 MiB, as core's cap on OAuth answers (decision 0805). A token set is a few
 * KiB; a longer value (planted, or corrupt) is refused unparsed as an unreadable entry.
 */
export const MAX_VALUE_LENGTH = 1 << 20;

/** What a storage remembers as seen for a value over `MAX_VALUE_LENGTH`: no stored value equals it. */
export const TOO_LARGE_SEEN = 'unreadable:too-large';

/**
 * Stores the set `ARGV[1]` under `KEYS[1]` for `ARGV[2]` ms and publishes it on the channel of the
 * same name — unless the key holds another value than `ARGV[3]` (what this storage last read, wrote
 * or heard there; `''` for nothing) that lives at least as long: a set another replica stored
 * meanwhile, requested after this one (a lost lock). Returns 1 when written, else the stored value.
 * A value this storage has seen is replaced whatever its life: the manager decided to replace it
 * (expired, rejected by an API, unreadable). A key without expiry (PTTL -1) is not ours: replaced,
 * and so is a key of another type (a hash, a list…: `pcall` turns its WRONGTYPE error into a table)
 * and a removal's empty mark (`delete-script.ts`) — only by a storage that has seen it (`ARGV[3]`
 * `''`): a write that reaches Redis after a sign-out it has not heard of gets the mark back, and
 * never resurrects the signed-out set (decision 0508). A value over `MAX_VALUE_LENGTH` bytes is
 * replaced too, whoever saw it: one no storage reads (planted, or corrupt), or at worst a set that
 * long in non-ASCII text, which costs one token request. A storage remembers a value it cannot read
 * for its length as `TOO_LARGE_SEEN`, not as itself, so it neither keeps it in memory nor sends it
 * back with each write (a planted 100 MB value made every write time out, and Redis count as down).
 */
export const WRITE_SCRIPT = `local stored = redis.pcall('get', KEYS[1])
if type(stored) == 'table' or (stored and #stored > ${MAX_VALUE_LENGTH}) then stored = false end
if stored and stored ~= ARGV[3] and (stored == '' or redis.call('pttl', KEYS[1]) >= tonumber(ARGV[2])) then
  return stored
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('publish', KEYS[1], ARGV[1])
return 1`;
