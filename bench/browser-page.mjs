// The page that bench/browser.mjs bundles and opens in Chromium: a few throughput rows run as
// the Node rows run them, each implementation through its own copy of the row's loop (or, in
// the row that says so, all through one).
import init, { CacheManager } from "../cache-wasm/pkg/browser.js";
import { plainPeers } from "./peer-list.mjs";
import { timeRow } from "./stats.mjs";
import { CAPACITY, HEADLINE, UNIVERSE, plainRows } from "./workloads.mjs";

const PLAIN = plainPeers(CacheManager);

// The Node rows (see `plainRows`) that run here too.
const NAMES = [
  HEADLINE,
  "read-through α=1 keys=60",
  "80/20 get/set α=1 keys=12",
  "read-through α=1.0 keys=12, one loop for every implementation",
  "read-through α=1.0 keys=12 built per call",
  "read-through α=1.0 integer keys",
];

/** The rows' names, in order. */
globalThis.benchRows = () => NAMES;

/** Runs row `index` as throughput.mjs runs a row (see `timeRow`). */
globalThis.benchRow = async (index, rounds, ops) => {
  await init();
  const row = plainRows(ops, UNIVERSE).find((r) => r.name === NAMES[index]);
  return timeRow(row, PLAIN, { capacity: CAPACITY, rounds, ops });
};
