import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { attachTokenManager } from '@tessera/axios';
import { isOAuthError, isTesseraError, type TokenManager } from '@tessera/core';
import { clientCredentials } from '@tessera/node';
import axios, { isAxiosError } from 'axios';
import { listen, type RunningService } from './service.js';

/** Options of `startOrdersService`. */
export interface OrdersServiceOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** The authorization server; its token endpoint is found by discovery. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The scope orders asks for. */
  scope: string;
  /** The inventory API's resource indicator (RFC 8707): the `aud` of the tokens orders gets. */
  resource: string;
  /** Base URL of the inventory API. */
  inventoryUrl: string;
  /**
   * The time orders' token manager goes by (when its token is due for a refresh), epoch ms.
   * @default Date.now
   */
  clock?: () => number;
  /** How long orders waits for each inventory call, in ms. @default 5_000 */
  inventoryTimeout?: number;
}

/** A running orders service. */
export interface OrdersService extends RunningService {
  /** The token manager orders uses for inventory; subscribe to it to watch refreshes. */
  tokens: TokenManager;
}

/** The body of a failed `POST /orders`. */
export interface OrderFailure {
  /** How many line items could not be checked. */
  failedItems: number;
  /** `token_unavailable`: orders could not get an access token; `inventory_error`: inventory refused or failed. */
  error: 'token_unavailable' | 'inventory_error';
  /** The OAuth `error` code or the inventory's HTTP status. */
  reason: string;
  /** What failed, why and where (never a secret). */
  message: string;
}

/**
 * Starts the orders service on 127.0.0.1: `POST /orders {"items": ["sku-1", …]}` checks the stock of
 * every item with the inventory API, all at once, through an axios instance whose Bearer tokens come from `@tessera/node` (client
 * credentials) and `@tessera/axios` (attach, refresh and replay once on 401).
 */
export async function startOrdersService(options: OrdersServiceOptions): Promise<OrdersService> {
  const credentials = clientCredentials({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scope: options.scope,
    resource: options.resource,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const inventory = axios.create({
    baseURL: options.inventoryUrl,
    timeout: options.inventoryTimeout ?? 5_000,
  });
  // The manager of the configured target (scope + resource): what the interceptor takes.
  const tokens = credentials.for();
  const detach = attachTokenManager(inventory, tokens);
  let nextOrderId = 1;

  const placeOrder = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { items = ['sku-1'] } = JSON.parse((await readBody(req)) || '{}') as { items?: string[] };
    // Every line item's stock is checked at once: one order can mean many concurrent inventory calls.
    const checks = await Promise.allSettled(
      items.map((sku) => inventory.get<{ available: number }>(`/stock/${encodeURIComponent(sku)}`)),
    );
    const failed = checks.filter((check) => check.status === 'rejected');
    if (failed[0]) send(res, 502, { ...toFailure(failed[0].reason), failedItems: failed.length });
    else send(res, 201, { orderId: nextOrderId++, items: items.length });
  };

  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/orders') {
      placeOrder(req, res).catch(() => send(res, 400, { error: 'invalid_request' }));
    } else {
      send(res, 404, { error: 'not_found' });
    }
  });
  const service = await listen(server, options.port ?? 0);
  return {
    url: service.url,
    tokens,
    async close() {
      detach();
      credentials.dispose();
      await service.close();
    },
  };
}

function toFailure(error: unknown): Omit<OrderFailure, 'failedItems'> {
  if (isOAuthError(error)) return { error: 'token_unavailable', reason: error.error, message: error.message };
  if (isTesseraError(error))
    return { error: 'token_unavailable', reason: error.code, message: error.message };
  if (isAxiosError(error) && error.response) {
    const status = String(error.response.status);
    return { error: 'inventory_error', reason: status, message: `inventory answered HTTP ${status}` };
  }
  return { error: 'inventory_error', reason: 'network', message: 'inventory could not be reached' };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}
