// The caches compared in the benchmarks, each behind the same small get/set shape.
import { LRUCache } from "lru-cache";
import { TTLCache } from "@isaacs/ttlcache";
import { CacheManager } from "../cache-wasm/pkg/node.mjs";
import { plainPeers } from "./peer-list.mjs";
import { HEADLINE, plainRows, readThrough } from "./workloads.mjs";

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

/**
 * The throughput rows run in Node: those of `plainRows` over `PLAIN`, then the telemetry and
 * TTL rows, which run the α=1.0 read-through workload, before the rows built per call. Each
 * row: its name, its implementations, its loop and `args()`, the loop's arguments after the
 * cache (made before timing); `reads` counts the gets when not every operation is one, and
 * `written` the distinct keys the blind sets write.
 */
export function nodeRows(ops, universe) {
  const rows = plainRows(ops, universe).map((row) => ({ ...row, impls: PLAIN }));
  const headline = rows.find((row) => row.name === HEADLINE);
  const timed = [
    { name: "telemetry cost: read-through α=1.0 keys=12", impls: TELEMETRY, loop: readThrough, args: headline.args },
    { name: "read-through α=1.0 keys=12 ttl=60s", impls: withTtl(60_000), loop: readThrough, args: headline.args },
  ];
  rows.splice(rows.findIndex((row) => row.name.includes("built per call")), 0, ...timed);
  return rows;
}
