import { inject } from './internal/vue.js';
import { type Tessera, tesseraKey } from './tessera.js';

/**
 * The app's `Tessera` plugin (its `tokens`, `session` and `ready()`), from `setup()`, a
 * Pinia store or anywhere `inject()` works. Throws when the app did not `use` one.
 */
export function useTessera(): Tessera {
  const tessera = inject(tesseraKey);
  if (tessera) return tessera;
  throw Error('[@tessera/vue] no app.use(createTessera())');
}
