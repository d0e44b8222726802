// The caches without TTLs compared in the benchmarks, for any runtime: the caller passes the
// CacheManager of its entry point (Node's or the browser's).
import { LRUCache } from "lru-cache";
import QuickLRU from "quick-lru";
import { LRUCache as MnemonistLRUCache, LRUMap as MnemonistLRUMap } from "mnemonist";

/**
 * Implementations for workloads without TTL; each `make(capacity)` returns a fresh cache that
 * holds at most `capacity` entries, and `hold(n)` (when it differs) one that holds `n` entries
 * once `n` are set, for measuring memory.
 */
export function plainPeers(CacheManager) {
  return [
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
}
