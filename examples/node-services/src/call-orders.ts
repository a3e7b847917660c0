import type { OrderFailure } from './orders-service.js';

/** An order that was not placed: what orders answered, or `unreachable`. */
export type FailedOrder =
  | OrderFailure
  | { error: 'unreachable'; reason: string; message: string; failedItems: number };

/** What a batch of `POST /orders` calls returned. */
export interface CallTally {
  /** Inventory calls orders had to make: orders × line items. */
  calls: number;
  /** Inventory calls that failed for good (after any refresh and replay). */
  failedCalls: number;
  /** Orders that were not placed, with orders' answer. */
  failures: FailedOrder[];
  /** Wall time of the batch, in ms. */
  duration: number;
}

/**
 * Places `orders` orders at once, each a `POST /orders` with `items` line items; orders checks every
 * line item with one inventory call.
 */
export async function callOrders(ordersUrl: string, orders: number, items = 1): Promise<CallTally> {
  const startedAt = performance.now();
  const skus = Array.from({ length: items }, (_, index) => `sku-${index + 1}`);
  const answers = await Promise.all(Array.from({ length: orders }, () => placeOrder(ordersUrl, skus)));
  const failures = answers.filter((answer): answer is FailedOrder => answer !== undefined);
  return {
    calls: orders * items,
    failedCalls: failures.reduce((sum, failure) => sum + failure.failedItems, 0),
    failures,
    duration: performance.now() - startedAt,
  };
}

/** `undefined` when the order was placed, else why not. */
async function placeOrder(ordersUrl: string, items: string[]): Promise<FailedOrder | undefined> {
  try {
    const response = await fetch(`${ordersUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    const body: unknown = await response.json();
    return response.status === 201 ? undefined : (body as OrderFailure);
  } catch {
    const message = 'the orders service could not be reached';
    return { error: 'unreachable', reason: 'network', message, failedItems: items.length };
  }
}
