// The Redis layer example against a real redis-server on a free loopback port.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "redis";
import { redisLayer } from "../../www/examples/redis-layer.mjs";
import { loadPackage } from "../support/consumer.mjs";
import { MapStore } from "../support/stores.mjs";
import { startRedis } from "../support/redis.mjs";

let server;
let client;
let CacheManager;
let LayerError;
const PREFIX = "test:";

before(async () => {
  ({ CacheManager, module: { LayerError } } = await loadPackage("esm"));
  server = await startRedis();
  client = createClient({ url: server.url, disableOfflineQueue: true, socket: { reconnectStrategy: 50 } });
  client.on("error", () => {
    // Reconnection errors after the server is stopped on purpose; the cache counts its own.
  });
  await client.connect();
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

const layer = (extra = {}) => ({ name: "redis", store: redisLayer(client, { prefix: PREFIX }), timeoutMs: 500, ...extra });

test("values are written through as envelopes and survive a new cache over the same Redis", async () => {
  const first = new CacheManager({ enableTelemetry: true, layers: [layer()] });
  const t0 = Date.now();
  await first.setAsync("user:1", { name: "Ada" }, { ttl: 60_000 });
  await first.setAsync("forever", [1, 2, 3]);
  const stored = JSON.parse(await client.get(`${PREFIX}user:1`));
  assert.deepEqual(stored.v, { name: "Ada" });
  assert.ok(stored.exp >= t0 + 60_000 && stored.exp <= Date.now() + 60_000);
  const pttl = await client.pTTL(`${PREFIX}user:1`);
  assert.ok(pttl > 59_000 && pttl <= 60_000, `Redis expires it too (PTTL ${pttl})`);
  assert.equal(await client.pTTL(`${PREFIX}forever`), -1);
  first.free();

  const second = new CacheManager({ enableTelemetry: true, layers: [layer()] });
  assert.equal(second.get("user:1"), undefined, "memory starts empty");
  assert.deepEqual(await second.getAsync("user:1"), { name: "Ada" });
  assert.deepEqual(second.peek("user:1"), { name: "Ada" }, "promoted into memory");
  assert.deepEqual(await second.getAsync("forever"), [1, 2, 3]);
  assert.deepEqual(await second.getAsync("user:1"), { name: "Ada" });
  const { layers } = second.getStats();
  assert.equal(layers.redis.hits, 2, "the third read was a memory hit");
  assert.equal(layers.redis.gets, 2);
  assert.equal(layers.memory.hits, 1);
  assert.equal(layers.redis.latency.get.count, 2);
  assert.ok(layers.redis.latency.get.max_ms > 0, "a network round trip takes time");
  second.free();
});

test("an expired envelope is a miss and is removed, even when Redis still holds it", async () => {
  const cache = new CacheManager({ layers: [layer()] });
  await client.set(`${PREFIX}old`, JSON.stringify({ v: "stale", exp: Date.now() - 1 }));
  assert.equal(await cache.getAsync("old"), undefined);
  await cache.settled(); // The removal goes on after the read answers.
  assert.equal(await client.exists(`${PREFIX}old`), 0);
  await cache.setAsync("brief", "x", { ttl: 60 });
  cache.clear();
  assert.equal(await cache.getAsync("brief"), "x");
  await sleep(90);
  cache.clear();
  assert.equal(await cache.getAsync("brief"), undefined);
  cache.free();
});

test("a corrupt record reads as a miss and is removed", async () => {
  const cache = new CacheManager({ layers: [layer()] });
  await client.set(`${PREFIX}junk`, "not json at all");
  assert.equal(await cache.getAsync("junk"), undefined);
  await cache.settled();
  assert.equal(await client.exists(`${PREFIX}junk`), 0);
  assert.equal(cache.getStats().layers.redis.errors.by_type.layer, 1);
  cache.free();
});

test("deleteAsync removes the key from Redis and it does not come back", async () => {
  const cache = new CacheManager({ layers: [layer()] });
  await cache.setAsync("gone", 1);
  assert.equal(await cache.deleteAsync("gone"), true);
  assert.equal(await client.exists(`${PREFIX}gone`), 0);
  cache.clear();
  assert.equal(await cache.getAsync("gone"), undefined);
  cache.free();
});

test("fetch reads through Redis: one load for concurrent misses, stored for the next process", async () => {
  const cache = new CacheManager({ layers: [layer()] });
  let loads = 0;
  const loader = async () => {
    loads++;
    await sleep(20);
    return { loaded: true };
  };
  const results = await Promise.all([1, 2, 3, 4].map(() => cache.fetch("rt", loader, { ttl: 30_000 })));
  assert.equal(loads, 1);
  assert.deepEqual(results, Array(4).fill({ loaded: true }));
  assert.deepEqual(JSON.parse(await client.get(`${PREFIX}rt`)).v, { loaded: true });
  cache.free();
});

// Last: it stops the server.
test("when Redis goes away it is counted and skipped; writes reject naming it", async () => {
  const backup = new MapStore();
  const cache = new CacheManager({ layers: [layer({ timeoutMs: 300 }), { name: "backup", store: backup }] });
  await cache.setAsync("k", "v");
  await server.stop();
  cache.clear();
  assert.equal(await cache.getAsync("k"), "v", "served by the layer below");
  const err = await cache.setAsync("k2", "v2").catch((e) => e);
  assert.ok(err instanceof LayerError, String(err));
  assert.equal(err.layer, "redis");
  assert.equal(backup.records.get("k2").v, "v2", "the layer that took the write has it");
  const { layers } = cache.getStats();
  assert.ok(layers.redis.errors.by_type.layer >= 2, JSON.stringify(layers.redis.errors));
  cache.free();
});
