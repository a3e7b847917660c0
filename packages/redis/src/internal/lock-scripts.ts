/**
 * Deletes the lock `KEYS[1]` only if it still holds this holder's value `ARGV[1]`, then announces
 * the release of lock `ARGV[3]` on channel `ARGV[2]`. Returns 1 when released, 0 when the lock had
 * expired or belonged to another holder.
 */
export const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', ARGV[2], ARGV[3])
  return 1
end
return 0`;

/** Extends the lock `KEYS[1]` to `ARGV[2]` ms only if it still holds this holder's value `ARGV[1]`. */
export const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;
