import { type AuthServer, startAuthServer, type TokenRequestOutcome } from './auth-server.js';
import { type InventoryService, startInventoryService } from './inventory-service.js';
import { type OrdersService, startOrdersService } from './orders-service.js';
import { realTime, type StoryClock } from './story-clock.js';

/** The inventory API's resource indicator (RFC 8707), the `aud` of its tokens. */
export const INVENTORY_RESOURCE = 'urn:tessera:inventory';
/** The scope inventory's `GET /stock/:sku` requires. */
export const INVENTORY_SCOPE = 'inventory:read';
/** The orders service's OAuth client. A demo secret, printed by `--keep-running` for curl. */
export const ORDERS_CLIENT = { clientId: 'orders', clientSecret: 'orders-demo-secret' } as const;
/** The shipping service's OAuth client: its tokens are DPoP-bound (RFC 9449). */
export const SHIPPING_CLIENT = { clientId: 'shipping', clientSecret: 'shipping-demo-secret' } as const;
/** A client registered with another scope only: inventory answers its tokens with 403. */
export const REPORTS_CLIENT = { clientId: 'reports', clientSecret: 'reports-demo-secret' } as const;

/** Options of `startDemoServices`. */
export interface DemoServicesOptions {
  /** Lifetime of access tokens, in ms. */
  accessTokenTtl: number;
  onTokenRequest?: (outcome: TokenRequestOutcome) => void;
  /** The time every service goes by (token dates, expiry checks, refreshes). @default realTime */
  clock?: StoryClock;
  /** How long orders waits for each inventory call, in ms. @default 5_000 */
  inventoryTimeout?: number;
}

/** The three services of the demo, running on 127.0.0.1. */
export interface DemoServices {
  auth: AuthServer;
  inventory: InventoryService;
  orders: OrdersService;
  /** The time the services go by; the chapters pause on it too. */
  clock: StoryClock;
  /** Starts another orders service with other client credentials (a misconfigured deployment). */
  startOrders(client: { clientId: string; clientSecret: string; scope?: string }): Promise<OrdersService>;
  /** Stops every service started here. */
  close(): Promise<void>;
}

/** Starts auth, then inventory (which trusts auth's keys), then orders (which calls inventory). */
export async function startDemoServices(options: DemoServicesOptions): Promise<DemoServices> {
  const started: { close(): Promise<void> }[] = [];
  const clock = options.clock ?? realTime;
  const close = async (): Promise<void> => {
    await Promise.allSettled(started.reverse().map((service) => service.close()));
    started.length = 0;
  };
  try {
    const auth = await startAuthServer({
      accessTokenTtl: options.accessTokenTtl,
      clients: [
        { ...ORDERS_CLIENT, scope: INVENTORY_SCOPE },
        { ...REPORTS_CLIENT, scope: 'inventory:audit' },
        { ...SHIPPING_CLIENT, scope: INVENTORY_SCOPE, dpop: true },
      ],
      resourceServers: [{ resource: INVENTORY_RESOURCE, scope: `${INVENTORY_SCOPE} inventory:audit` }],
      ...(options.onTokenRequest ? { onTokenRequest: options.onTokenRequest } : {}),
      clock: clock.now,
    });
    started.push(auth);
    const inventory = await startInventoryService({
      issuer: auth.issuer,
      jwksUri: auth.jwksUri,
      audience: INVENTORY_RESOURCE,
      requiredScope: INVENTORY_SCOPE,
      clock: clock.now,
    });
    started.push(inventory);
    const startOrders: DemoServices['startOrders'] = async (client) => {
      const orders = await startOrdersService({
        issuer: auth.issuer,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scope: client.scope ?? INVENTORY_SCOPE,
        resource: INVENTORY_RESOURCE,
        inventoryUrl: inventory.url,
        clock: clock.now,
        ...(options.inventoryTimeout ? { inventoryTimeout: options.inventoryTimeout } : {}),
      });
      started.push(orders);
      return orders;
    };
    const orders = await startOrders(ORDERS_CLIENT);
    return { auth, inventory, orders, clock, startOrders, close };
  } catch (error) {
    await close();
    throw error;
  }
}
