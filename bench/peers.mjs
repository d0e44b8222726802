// The caches compared in the benchmarks, each behind the same small get/set shape.
import { LRUCache } from "lru-cache";
import { TTLCache } from "@isaacs/ttlcache";
import { CacheManager } from "../cache-wasm/pkg/node.mjs";
import { plainPeers } from "./peer-list.mjs";

/** Implementations for workloads without TTL (see `plainPeers`), over Node's entry point. */
export const PLAIN = plainPeers(CacheManager);

/** Implementations for workloads where every entry has a TTL of `ttl` ms. */
export function withTtl(ttl) {
  return [
    { name: "lru-cache", make: (max) => new LRUCache({ max, ttl }) },
    { name: "cache-wasm", make: (max) => new CacheManager({ maxEntries: max, defaultTtl: ttl }) },
    // Reuses a clock reading within a synchronous run, as lru-cache does by default.
    { name: "cache-wasm ttlClock=task", make: (max) => new CacheManager({ maxEntries: max, defaultTtl: ttl, ttlClock: "task" }) },
    { name: "@isaacs/ttlcache", make: (max) => new TTLCache({ max, ttl }) },
  ];
}

/** cache-wasm with telemetry off and on (frames every minute, latency sampled 1 in 100). */
export const TELEMETRY = [
  { name: "lru-cache", make: (max) => new LRUCache({ max }) },
  { name: "cache-wasm telemetry off", make: (max) => new CacheManager({ maxEntries: max }) },
  {
    name: "cache-wasm telemetry on",
    make: (max) => new CacheManager({ maxEntries: max, enableTelemetry: true, telemetryInterval: 60 }),
  },
];
