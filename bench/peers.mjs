// The caches compared in the benchmarks, each behind the same small get/set shape.
import { LRUCache } from "lru-cache";
import QuickLRU from "quick-lru";
import { LRUCache as MnemonistLRUCache, LRUMap as MnemonistLRUMap } from "mnemonist";
import { TTLCache } from "@isaacs/ttlcache";
import { CacheManager } from "../cache-wasm/pkg/node.mjs";

/**
 * Implementations for workloads without TTL; each `make(capacity)` returns a fresh cache that
 * holds at most `capacity` entries, and `hold(n)` (when it differs) one that holds `n` entries
 * once `n` are set, for measuring memory.
 */
export const PLAIN = [
  { name: "lru-cache", make: (max) => new LRUCache({ max }) },
  { name: "cache-wasm", make: (max) => new CacheManager({ maxEntries: max }) },
  { name: "cache-wasm tinylfu", make: (max) => new CacheManager({ maxEntries: max, evictionPolicy: "tinylfu" }) },
  // quick-lru keeps two generations of up to `maxSize` entries each, so it holds up to
  // 2 × maxSize − 1: half the capacity keeps it within it. Its first generation holds `n`
  // entries after `n` sets with maxSize `n`.
  {
    name: "quick-lru",
    make: (max) => new QuickLRU({ maxSize: Math.max(1, Math.floor(max / 2)) }),
    hold: (n) => new QuickLRU({ maxSize: n }),
  },
  { name: "mnemonist LRUCache", make: (max) => new MnemonistLRUCache(max) },
  { name: "mnemonist LRUMap", make: (max) => new MnemonistLRUMap(max) },
  { name: "Map (no eviction)", make: () => new Map() },
];

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
