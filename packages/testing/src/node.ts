export { type HandlerServer, type ServeHandlersOptions, serveHandlers } from './serve-handlers.js';
