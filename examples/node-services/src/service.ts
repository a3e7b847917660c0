export { listen, type RunningService } from '@tessera/example-identity-provider';
