/**
 * The classes this package takes from axios at run time, imported here only: a bundle that keeps axios
 * external turns each module's import into its own `require("axios")`, so one module means one (decision 0018).
 */
export { AxiosError, CanceledError } from 'axios';
