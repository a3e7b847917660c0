import { type DemoServices, INVENTORY_RESOURCE, INVENTORY_SCOPE, ORDERS_CLIENT } from './demo-services.js';
import type { Timeline } from './timeline.js';

/** Prints curl commands to try against the running services (`--keep-running`). */
export function printCurlCommands(services: DemoServices, timeline: Timeline): void {
  const { auth, inventory, orders } = services;
  const seconds = Math.round(auth.accessTokenTtl / 1000);
  const { clientId, clientSecret } = ORDERS_CLIENT;
  const token =
    `TOKEN=$(curl -s -u ${clientId}:${clientSecret} -d grant_type=client_credentials ` +
    `-d scope=${INVENTORY_SCOPE} -d resource=${INVENTORY_RESOURCE} ${auth.tokenUrl} ` +
    `| node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`;
  timeline.text(`
The services keep running (Ctrl-C stops them). Access tokens live ${seconds} s, so chain the commands:

  # discovery and the public signing keys
  curl -s ${auth.issuer}/.well-known/openid-configuration
  curl -s ${auth.jwksUri}

  # a token, then a call to inventory with it: 200
  ${token} && curl -i -H "Authorization: Bearer $TOKEN" ${inventory.url}/stock/sku-1

  # the same token ${seconds + 1} s later: 401, WWW-Authenticate: Bearer error="invalid_token", "the access token expired"
  sleep ${seconds + 1}; curl -i -H "Authorization: Bearer $TOKEN" ${inventory.url}/stock/sku-1

  # no token: 401, WWW-Authenticate: Bearer realm="inventory"
  curl -i ${inventory.url}/stock/sku-1

  # a wrong secret: 401 {"error":"invalid_client",…}
  curl -s -u ${clientId}:wrong -d grant_type=client_credentials -d resource=${INVENTORY_RESOURCE} ${auth.tokenUrl}

  # an order with two line items: orders gets and refreshes its own tokens
  curl -i -X POST -H 'content-type: application/json' -d '{"items":["sku-1","sku-2"]}' ${orders.url}/orders

Press Ctrl-C to stop.`);
}
