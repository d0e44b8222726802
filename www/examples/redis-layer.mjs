// Example: Redis below memory, through a keyv-style adapter over the npm `redis` client.
//
//   import { createClient } from "redis";
//   import { CacheManager } from "cache-wasm";
//   import { redisLayer } from "./redis-layer.mjs";
//
//   const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
//   const cache = new CacheManager({ layers: [{ name: "redis", store: redisLayer(client), timeoutMs: 250 }] });
//   await cache.setAsync("user:1", { name: "Ada" }, { ttl: 60_000 });
//
// Records are the cache's envelopes `{ v, exp }` (with `size` when one was given) as JSON text;
// Redis expires them itself (PX, rounded up) and the envelope's absolute `exp` decides what is
// served.

/**
 * @param {import("redis").RedisClientType} client a connected client
 * @param {{ prefix?: string }} [options] a key prefix, so that several caches share one database
 */
export function redisLayer(client, options = {}) {
  const prefix = options.prefix ?? "cache-wasm:";
  return {
    async get(key) {
      const text = await client.get(prefix + key);
      if (text === null || text === undefined) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        // Not JSON: the cache reads it as a corrupt record and removes it.
        return text;
      }
    },
    async set(key, value, ttlMs) {
      const text = JSON.stringify(value);
      if (typeof ttlMs === "number" && ttlMs > 0) await client.set(prefix + key, text, { PX: Math.ceil(ttlMs) });
      else await client.set(prefix + key, text);
    },
    async delete(key) {
      return (await client.del(prefix + key)) > 0;
    },
  };
}
