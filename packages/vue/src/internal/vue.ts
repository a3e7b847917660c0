/**
 * The only module that imports from `vue`: bundled, the package then has one `import` statement
 * instead of one per file, which keeps it inside its 1 kB budget (see the root `size-limit`).
 */
export {
  computed,
  getCurrentInstance,
  hasInjectionContext,
  inject,
  onMounted,
  readonly,
  shallowRef,
} from 'vue';
