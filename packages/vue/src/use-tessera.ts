import { hasInjectionContext, inject } from './internal/vue.js';
import { type Tessera, tesseraKey } from './tessera.js';

/**
 * The app's `Tessera` plugin (its `tokens`, `session` and `ready()`), from `setup()`, a
 * Pinia store or anywhere `inject()` works. Throws when the app did not `use` one, and when called
 * where `inject()` does not work (after an `await` in `setup()`, a guard of vue-router before 4.2):
 * there, use the plugin `createTessera()` returned. A vue-router 4.2+ guard runs in the app's context.
 */
export function useTessera(): Tessera {
  // Checked first: outside `setup()` Vue's `inject()` finds no app, and "no app.use()" would send the
  // developer to look for a plugin that is installed (decision 1002, update).
  if (!hasInjectionContext()) {
    throw Error('[@tessera/vue] called outside setup(): use the plugin createTessera() returned');
  }
  const tessera = inject(tesseraKey);
  if (tessera) return tessera;
  throw Error('[@tessera/vue] no app.use(createTessera())');
}
