/**
 * Takes the lock `KEYS[1]` for holder `ARGV[1]` for `ARGV[2]` ms (`SET NX PX`), and returns `OK`, or
 * nothing while another holder has it. A key there that no holder can have set — one without expiry
 * (`PTTL` -1, e.g. a `SET` by hand) or of another type (a hash: `pcall` returns the WRONGTYPE error)
 * — would never expire and block every refresh for `lockWait`, forever: it is deleted and taken over.
 */
export const ACQUIRE_SCRIPT = `local held = redis.pcall('get', KEYS[1])
if type(held) == 'table' or (held and redis.call('pttl', KEYS[1]) == -1) then
  redis.call('del', KEYS[1])
end
return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])`;

/**
 * Deletes the lock `KEYS[1]` only if it still holds this holder's value `ARGV[1]`, then announces
 * the release of lock `ARGV[3]` on channel `ARGV[2]`. Returns 1 when released, 0 when the lock had
 * expired or belonged to another holder, or another type is there (`pcall`: a hash planted under the
 * key is not this holder's lock, not a Redis failure).
 */
export const RELEASE_SCRIPT = `if redis.pcall('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', ARGV[2], ARGV[3])
  return 1
end
return 0`;

/**
 * Extends the lock `KEYS[1]` to `ARGV[2]` ms only if it still holds this holder's value `ARGV[1]`;
 * returns 0 otherwise, also for a key of another type (`pcall`), so the holder reports `lock_lost`.
 */
export const RENEW_SCRIPT = `if redis.pcall('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;
