import { onScopeDispose, type Ref, ref } from 'vue';

/** The current time in epoch ms, updated every `interval` ms (default 250 ms) until the scope is disposed. */
export function useNow(interval = 250): Readonly<Ref<number>> {
  const now = ref(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, interval);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
