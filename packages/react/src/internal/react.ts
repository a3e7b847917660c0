/**
 * The only module that imports from `react`: bundled, the package then has one `import` statement
 * instead of one per file, which keeps it inside its 1 kB budget (see the root `size-limit`).
 */
export {
  createContext,
  createElement,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useSyncExternalStore,
} from 'react';
