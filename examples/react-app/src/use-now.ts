import { useEffect, useState } from 'react';

/** The current time in epoch ms, updated every `interval` ms (default 250 ms) while mounted. */
export function useNow(interval = 250): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), interval);
    return () => clearInterval(timer);
  }, [interval]);
  return now;
}
