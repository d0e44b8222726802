// The page that bench/browser.mjs bundles and opens in Chromium: a few throughput rows run as
// the Node rows run them, each implementation through its own copy of the row's loop (or, in
// the row that says so, all through one).
import init, { CacheManager } from "../cache-wasm/pkg/browser.js";
import { plainPeers } from "./peer-list.mjs";
import { interleaved } from "./stats.mjs";
import { plainRows } from "./workloads.mjs";

const UNIVERSE = 100_000;
const CAPACITY = 10_000;
const PLAIN = plainPeers(CacheManager);

// The Node rows (see `plainRows`) that run here too.
const NAMES = [
  "read-through α=1 keys=12",
  "read-through α=1 keys=60",
  "80/20 get/set α=1 keys=12",
  "read-through α=1.0 keys=12, one loop for every implementation",
  "read-through α=1.0 keys=12 built per call",
];

/** The rows' names, in order. */
globalThis.benchRows = () => NAMES;

/**
 * Runs row `index`: one untimed round, then `rounds` timed ones of every implementation;
 * returns each one's rate in each round (ops/s) and its hit rate, as throughput.mjs does.
 */
globalThis.benchRow = async (index, rounds, ops) => {
  await init();
  const row = plainRows(ops, UNIVERSE).find((r) => r.name === NAMES[index]);
  const args = row.args();
  const reads = row.reads ? row.reads() : ops;
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
