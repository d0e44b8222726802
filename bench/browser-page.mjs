// The page that bench/browser.mjs bundles and opens in Chromium: a few throughput rows run as
// the Node rows run them, each implementation through its own copy of the row's loop (or, in
// the row that says so, all through one).
import init, { CacheManager } from "../cache-wasm/pkg/browser.js";
import { plainPeers } from "./peer-list.mjs";
import { interleaved } from "./stats.mjs";
import { keyParts, makeKeys, makeValues, mixed, opMix, readThrough, readThroughBuilt, zipfStream } from "./workloads.mjs";

const UNIVERSE = 100_000;
const CAPACITY = 10_000;
const PLAIN = plainPeers(CacheManager);

// The rows, named as the Node rows of the same workload are; `args(ops)` makes what the loop
// takes after the cache.
const ROWS = [
  {
    name: "read-through α=1 keys=12",
    loop: readThrough,
    args: (ops) => [makeKeys(UNIVERSE, 12), makeValues(UNIVERSE), zipfStream(ops, UNIVERSE, 1, 52)],
  },
  {
    name: "read-through α=1 keys=60",
    loop: readThrough,
    args: (ops) => [makeKeys(UNIVERSE, 60), makeValues(UNIVERSE), zipfStream(ops, UNIVERSE, 1, 52)],
  },
  {
    name: "80/20 get/set α=1 keys=12",
    loop: mixed,
    args: (ops) => [makeKeys(UNIVERSE, 12), makeValues(UNIVERSE), zipfStream(ops, UNIVERSE, 1, 52), opMix(ops, 0.8, 7)],
    reads: (args) => args[3].reduce((n, g) => n + g, 0),
  },
  {
    // Code that takes caches of several classes: one call site sees them all.
    name: "read-through α=1.0 keys=12, one loop for every implementation",
    loop: readThrough,
    shared: true,
    args: (ops) => [makeKeys(UNIVERSE, 12), makeValues(UNIVERSE), zipfStream(ops, UNIVERSE, 1, 52)],
  },
  {
    name: "read-through α=1.0 keys=12 built per call",
    loop: readThroughBuilt,
    args: (ops) => {
      const { prefix, ids } = keyParts(UNIVERSE, 12);
      return [prefix, ids, makeValues(UNIVERSE), zipfStream(ops, UNIVERSE, 1, 52)];
    },
  },
];

/** The rows' names, in order. */
globalThis.benchRows = () => ROWS.map((r) => r.name);

/**
 * Runs row `index`: one untimed round, then `rounds` timed ones of every implementation;
 * returns each one's rate in each round (ops/s) and its hit rate, as throughput.mjs does.
 */
globalThis.benchRow = async (index, rounds, ops) => {
  await init();
  const row = ROWS[index];
  const args = row.args(ops);
  const reads = row.reads ? row.reads(args) : ops;
  // A function made from the loop's source has type feedback of its own.
  const loops = PLAIN.map(() => (row.shared ? row.loop : new Function(`return ${row.loop}`)()));
  const samples = Object.fromEntries(PLAIN.map((impl) => [impl.name, []]));
  const hitRates = {};
  interleaved(PLAIN.length, rounds, (j, timed) => {
    const impl = PLAIN[j];
    const cache = impl.make(CAPACITY);
    const t0 = performance.now();
    const hits = loops[j](cache, ...args);
    const ms = performance.now() - t0;
    if (typeof cache.free === "function") cache.free();
    if (!timed) return;
    samples[impl.name].push((ops / ms) * 1e3);
    hitRates[impl.name] = hits / reads;
  });
  return { workload: row.name, impls: PLAIN.map((impl) => impl.name), samples, hitRates };
};
