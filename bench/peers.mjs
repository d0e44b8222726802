// The caches compared in the benchmarks, each behind the same small get/set shape.
import { LRUCache } from "lru-cache";
import QuickLRU from "quick-lru";
import { LRUCache as MnemonistLRUCache, LRUMap as MnemonistLRUMap } from "mnemonist";
import { TTLCache } from "@isaacs/ttlcache";
import { CacheManager } from "../cache-wasm/pkg/node.mjs";

/** Implementations for workloads without TTL; each `make(capacity)` returns a fresh cache. */
export const PLAIN = [
  { name: "lru-cache", make: (max) => new LRUCache({ max }) },
  { name: "cache-wasm", make: (max) => new CacheManager({ maxEntries: max }) },
  { name: "cache-wasm tinylfu", make: (max) => new CacheManager({ maxEntries: max, evictionPolicy: "tinylfu" }) },
  { name: "quick-lru", make: (maxSize) => new QuickLRU({ maxSize }) },
  { name: "mnemonist LRUCache", make: (max) => new MnemonistLRUCache(max) },
  { name: "mnemonist LRUMap", make: (max) => new MnemonistLRUMap(max) },
  { name: "Map (no eviction)", make: () => new Map() },
];

/** Implementations for workloads where every entry has a TTL of `ttl` ms. */
export function withTtl(ttl) {
  return [
    { name: "lru-cache", make: (max) => new LRUCache({ max, ttl }) },
    { name: "cache-wasm", make: (max) => new CacheManager({ maxEntries: max, defaultTtl: ttl }) },
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
