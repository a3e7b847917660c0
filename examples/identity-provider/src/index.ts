export {
  type ExampleUser,
  type IdentityProviderOptions,
  identityProviderDefaults,
} from './identity-provider-options.js';
export { listen, type RunningService } from './listen.js';
export {
  isOidcProviderRuntimeUnsupported,
  loadOidcProvider,
  withoutOidcProviderWarnings,
} from './load-oidc-provider.js';
export { type FormAnswers, readFormPost, signInThroughForms } from './sign-in-through-forms.js';
export {
  type ApiRequestLogEntry,
  type ExampleApi,
  type ExampleApiOptions,
  startExampleApi,
} from './start-example-api.js';
export {
  type IdentityProvider,
  type ProviderRequestLogEntry,
  startIdentityProvider,
} from './start-identity-provider.js';
