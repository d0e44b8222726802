// Memory per entry of each cache: JS heap, ArrayBuffer memory outside it (typed arrays) and
// WebAssembly memory, one process per measurement.
//
// Usage: node bench/memory.mjs                 (every implementation at 100k and 1M entries with
//                                               12-character keys, lru-cache and both cache-wasm
//                                               policies at 100k with 60-character keys, and the
//                                               TTL caches at 100k; each row also as a ratio to
//                                               lru-cache's row of the same size, keys and TTL)
//        node --expose-gc bench/memory.mjs IMPL N [KEY_CHARS]   (one measurement; prints JSON)
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { makeKeys, makeValues } from "./workloads.mjs";

const IMPLS = [
  "lru-cache",
  "cache-wasm",
  "cache-wasm tinylfu",
  "quick-lru",
  "mnemonist LRUCache",
  "mnemonist LRUMap",
  "Map (no eviction)",
];
const TTL_IMPLS = ["lru-cache ttl=60s", "cache-wasm ttl=60s", "@isaacs/ttlcache ttl=60s"];

async function measure(name, n, keyLen) {
  const { PLAIN, withTtl } = await import("./peers.mjs");
  const { wasmMemoryBytes } = await import("../cache-wasm/pkg/node.mjs");
  const timed = withTtl(60_000).map((p) => ({ ...p, name: `${p.name} ttl=60s` }));
  const impl = [...PLAIN, ...timed].find((p) => p.name === name);
  if (!impl) throw new Error(`no implementation ${name}`);
  const keys = makeKeys(n, keyLen);
  const vals = makeValues(n);
  const settle = () => {
    for (let i = 0; i < 4; i++) global.gc();
  };
  settle();
  const before = process.memoryUsage();
  const wasm0 = wasmMemoryBytes();
  const cache = (impl.hold ?? impl.make)(n);
  for (let i = 0; i < n; i++) cache.set(keys[i], vals[i]);
  settle();
  const after = process.memoryUsage();
  const heap = after.heapUsed - before.heapUsed;
  // Typed arrays keep their elements outside the JS heap (lru-cache's and mnemonist's links);
  // Node does not count WebAssembly memory among them, so it is added on its own.
  const buffers = after.arrayBuffers - before.arrayBuffers;
  const wasm = wasmMemoryBytes() - wasm0;
  // Keep the cache alive until after the measurement.
  if (cache.get(keys[n - 1]) !== vals[n - 1] || cache.get(keys[0]) !== vals[0]) {
    throw new Error(`${name} does not hold all ${n} entries`);
  }
  if (typeof cache.cancelTimer === "function") cache.cancelTimer();
  return {
    impl: name,
    entries: n,
    key_chars: keyLen,
    heap_bytes: heap,
    buffer_bytes: buffers,
    wasm_bytes: wasm,
    bytes_per_entry: (heap + buffers + wasm) / n,
  };
}

const [, , name, n, keyLen] = process.argv;
if (name) {
  console.log(JSON.stringify(await measure(name, Number(n), Number(keyLen ?? 12))));
} else {
  const self = fileURLToPath(import.meta.url);
  const runs = [];
  for (const n of [100_000, 1_000_000]) for (const impl of IMPLS) runs.push([impl, n, 12]);
  // Keys over 32 characters also take an entry in a Map.
  for (const impl of ["lru-cache", "cache-wasm", "cache-wasm tinylfu"]) runs.push([impl, 100_000, 60]);
  // With a TTL each entry also holds its expiry.
  for (const impl of TTL_IMPLS) runs.push([impl, 100_000, 12]);
  const rows = runs.map(([impl, n, len]) =>
    JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, impl, String(n), String(len)], {
        encoding: "utf8",
      }),
    ),
  );
  // lru-cache's row of the same size, keys and TTL.
  const base = (r) =>
    rows.find(
      (b) =>
        b.impl === (r.impl.endsWith(" ttl=60s") ? "lru-cache ttl=60s" : "lru-cache") &&
        b.entries === r.entries &&
        b.key_chars === r.key_chars,
    );
  for (const r of rows) r.ratio = r.bytes_per_entry / (base(r)?.bytes_per_entry ?? NaN);
  console.log(
    "implementation             entries  key chars  JS heap B/entry  ArrayBuffers B/entry  wasm B/entry  total B/entry  × lru-cache",
  );
  for (const r of rows) {
    const per = (bytes) => (bytes / r.entries).toFixed(1);
    console.log(
      `${r.impl.padEnd(25)} ${String(r.entries).padStart(8)}  ${String(r.key_chars).padStart(9)}  ${per(r.heap_bytes).padStart(15)}  ${per(r.buffer_bytes).padStart(20)}  ${per(r.wasm_bytes).padStart(12)}  ${r.bytes_per_entry.toFixed(1).padStart(13)}  ${r.ratio.toFixed(2).padStart(10)}×`,
    );
  }
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
}
