// Sends a few calls through the unmodified Segment Node SDK pointed at Sillage.
// Usage: SILLAGE_HOST=http://127.0.0.1:8080 WRITE_KEY=wk_... RUN_ID=abc node send.mjs
import { Analytics } from '@segment/analytics-node';

const host = process.env.SILLAGE_HOST;
const writeKey = process.env.WRITE_KEY;
const runId = process.env.RUN_ID;
if (!host || !writeKey || !runId) {
  console.error('SILLAGE_HOST, WRITE_KEY and RUN_ID are required');
  process.exit(2);
}

const analytics = new Analytics({ writeKey, host, flushAt: 10, flushInterval: 500, maxRetries: 3 });
const failures = [];
analytics.on('error', (error) => failures.push(error));

const userId = `sdk-user-${runId}`;
analytics.identify({ userId, traits: { email: `${runId}@example.com`, first_name: 'Node' } });
analytics.track({ userId, event: 'Product Added', properties: { cart_id: `cart-${runId}`, category: 'shoes', price: 42 } });
analytics.page({ anonymousId: `sdk-anon-${runId}`, name: 'Home', properties: { path: '/' } });
analytics.track({ anonymousId: `sdk-anon-${runId}`, event: 'Product Viewed', properties: { product_id: 'sku-1' } });

await analytics.closeAndFlush({ timeout: 20000 });
if (failures.length > 0) {
  console.error('Segment SDK reported errors:', failures.map(String).join('; '));
  process.exit(1);
}
console.log('sent 4 calls');
