// Memory per entry of each cache: JS heap plus WebAssembly memory, one process per measurement.
//
// Usage: node bench/memory.mjs                 (runs every implementation at 100k and 1M entries)
//        node --expose-gc bench/memory.mjs IMPL N   (one measurement; prints JSON)
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { makeKeys, makeValues } from "./workloads.mjs";

const IMPLS = ["lru-cache", "cache-wasm", "cache-wasm tinylfu", "quick-lru", "mnemonist LRUCache", "Map (no eviction)"];

async function measure(name, n) {
  const { PLAIN } = await import("./peers.mjs");
  const { wasmMemoryBytes } = await import("../cache-wasm/pkg/node.mjs");
  const impl = PLAIN.find((p) => p.name === name);
  if (!impl) throw new Error(`no implementation ${name}`);
  const keys = makeKeys(n, 12);
  const vals = makeValues(n);
  const settle = () => {
    for (let i = 0; i < 4; i++) global.gc();
  };
  settle();
  const heap0 = process.memoryUsage().heapUsed;
  const wasm0 = wasmMemoryBytes();
  const cache = impl.make(n);
  for (let i = 0; i < n; i++) cache.set(keys[i], vals[i]);
  settle();
  const heap = process.memoryUsage().heapUsed - heap0;
  const wasm = wasmMemoryBytes() - wasm0;
  // Keep the cache alive until after the measurement.
  if (cache.get(keys[n - 1]) !== vals[n - 1]) throw new Error(`${name} lost the last entry`);
  return { impl: name, entries: n, heap_bytes: heap, wasm_bytes: wasm, bytes_per_entry: (heap + wasm) / n };
}

const [, , name, n] = process.argv;
if (name) {
  console.log(JSON.stringify(await measure(name, Number(n))));
} else {
  const self = fileURLToPath(import.meta.url);
  const rows = [];
  for (const n of [100_000, 1_000_000]) {
    for (const impl of IMPLS) {
      const out = execFileSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, impl, String(n)], {
        encoding: "utf8",
      });
      rows.push(JSON.parse(out));
    }
  }
  console.log("implementation        entries   JS heap B/entry  wasm B/entry  total B/entry");
  for (const r of rows) {
    console.log(
      `${r.impl.padEnd(20)} ${String(r.entries).padStart(8)}   ${(r.heap_bytes / r.entries).toFixed(1).padStart(14)}  ${(r.wasm_bytes / r.entries).toFixed(1).padStart(12)}  ${r.bytes_per_entry.toFixed(1).padStart(13)}`,
    );
  }
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
}
