// Hit ratios on real cache traces: cache-wasm's lru and tinylfu beside an exact Belady OPT.
//
// Usage: node bench/replay.mjs [--traces DIR] [--runs 9] [--json out.json]
// The traces are read from ../shared/traces (next to the repository) unless --traces is given.
// W-TinyLFU's frequency sketch counts key hashes, whose seed each process draws at random, so
// its ratios move a little from one process to the next: they are replayed in `--runs` fresh
// processes and given as the median with the lowest and highest. LRU and OPT do not depend on
// the hashes.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CacheManager } from "../cache-wasm/pkg/node.mjs";
import { median } from "./stats.mjs";
import { arg, flag } from "./cli.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const DIR = arg("--traces", join(here, "..", "..", "shared", "traces"));
const RUNS = Number(arg("--runs", 9));

// Trace, cache size, and the reference figures (percent) published with the traces.
export const ROWS = [
  ["arc-oltp", 1000, { lru: 32.83, w1: 34.25, w20: 40.62, opt: 53.61 }],
  ["arc-oltp", 2000, { lru: 42.47, w1: 40.71, w20: 46.36, opt: 60.4 }],
  ["cloudphysics-io", 5000, { lru: 19.62, w1: 21.37, w20: 20.41, opt: 37.38 }],
  ["lirs-gli", 1000, { lru: 11.21, w1: 50.32, w20: 44.34, opt: 53.13 }],
  ["lirs-multi1", 1000, { lru: 48.23, w1: 67.98, w20: 65.4, opt: 71.4 }],
  ["lirs-multi2", 2000, { lru: 49.0, w1: 68.59, w20: 65.52, opt: 74.65 }],
  ["lirs-multi3", 2000, { lru: 44.59, w1: 60.4, w20: 58.54, opt: 68.78 }],
  ["lirs-ps", 1000, { lru: 48.55, w1: 66.43, w20: 62.7, opt: 67.67 }],
  ["lirs-sprite", 1000, { lru: 90.64, w1: 81.35, w20: 87.44, opt: 93.24 }],
  ["lirs-cs", 800, { lru: 1.83, w1: 47.57, w20: 38.99, opt: 49.02 }],
  ["lirs-loop", 900, { lru: 0.0, w1: 87.93, w20: 71.06, opt: 88.84 }],
  ["lirs-2_pools", 2000, { lru: 59.33, w1: 59.31, w20: 59.3, opt: 75.34 }],
];

function load(name) {
  const file = join(DIR, `${name}.txt.gz`);
  if (!existsSync(file)) return null;
  const text = gunzipSync(readFileSync(file)).toString("latin1");
  const lines = text.split("\n");
  const keys = [];
  for (const line of lines) if (line.length > 0) keys.push(line.trim());
  return keys;
}

/** Hit ratio (percent) of a cache-wasm policy replaying `trace`: a miss inserts the key. */
function replay(trace, size, policy) {
  const cache = new CacheManager({ maxEntries: size, evictionPolicy: policy });
  let hits = 0;
  for (const k of trace) {
    if (cache.get(k) !== undefined) hits++;
    else cache.set(k, 1, { size: 0 });
  }
  cache.free();
  return (hits / trace.length) * 100;
}

/** Belady's clairvoyant optimum: on a miss with a full cache, evict the key used furthest ahead. */
function opt(trace, size) {
  const n = trace.length;
  const ids = new Map();
  const seq = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let id = ids.get(trace[i]);
    if (id === undefined) {
      id = ids.size;
      ids.set(trace[i], id);
    }
    seq[i] = id;
  }
  const next = new Int32Array(n);
  const last = new Int32Array(ids.size).fill(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    next[i] = last[seq[i]];
    last[seq[i]] = i;
  }
  // Max-heap of (next use, id) with lazy deletion; `nextUse[id]` is each cached key's current one.
  const nextUse = new Int32Array(ids.size).fill(-1);
  const heapT = [];
  const heapId = [];
  const push = (t, id) => {
    let i = heapT.length;
    heapT.push(t);
    heapId.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heapT[p] >= t) break;
      heapT[i] = heapT[p];
      heapId[i] = heapId[p];
      i = p;
    }
    heapT[i] = t;
    heapId[i] = id;
  };
  const pop = () => {
    const topId = heapId[0];
    const topT = heapT[0];
    const t = heapT.pop();
    const id = heapId.pop();
    if (heapT.length > 0) {
      let i = 0;
      const len = heapT.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        const c = r < len && heapT[r] > heapT[l] ? r : l;
        if (heapT[c] <= t) break;
        heapT[i] = heapT[c];
        heapId[i] = heapId[c];
        i = c;
      }
      heapT[i] = t;
      heapId[i] = id;
    }
    return [topT, topId];
  };
  let cached = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const id = seq[i];
    if (nextUse[id] >= 0) {
      hits++;
    } else {
      if (cached >= size) {
        for (;;) {
          const [t, victim] = pop();
          if (nextUse[victim] === t) {
            nextUse[victim] = -1;
            cached--;
            break;
          }
        }
      }
      cached++;
    }
    nextUse[id] = next[i];
    push(next[i], id);
  }
  return (hits / n) * 100;
}

if (!existsSync(DIR)) {
  console.log(`replay: no traces at ${DIR}; pass --traces DIR (they are not part of the repository)`);
  process.exit(0);
}

// A child process: the tinylfu ratio of every row whose trace is present, as JSON.
if (flag("--tinylfu-only")) {
  const out = {};
  for (const [name, size] of ROWS) {
    const trace = load(name);
    if (trace !== null) out[`${name}/${size}`] = replay(trace, size, "tinylfu");
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const runs = Array.from({ length: RUNS }, () =>
  JSON.parse(execFileSync(process.execPath, [self, "--tinylfu-only", "--traces", DIR], { encoding: "utf8" })),
);

const results = [];
console.log(`tinylfu: median (lowest–highest) of ${RUNS} processes; Δbest and worst Δ against the best reference column`);
console.log("trace            size   lru    (ref)   tinylfu (lowest–highest)  best ref  Δbest  worst Δ   OPT    (ref)");
for (const [name, size, ref] of ROWS) {
  const trace = load(name);
  if (trace === null) {
    console.log(`${name.padEnd(16)} ${String(size).padStart(5)}   trace file missing in ${DIR}`);
    continue;
  }
  const lru = replay(trace, size, "lru");
  const tinys = runs.map((r) => r[`${name}/${size}`]);
  const tiny = median(tinys);
  const low = Math.min(...tinys);
  const high = Math.max(...tinys);
  const best = Math.max(ref.lru, ref.w1, ref.w20);
  const o = opt(trace, size);
  results.push({ trace: name, size, requests: trace.length, lru, tinylfu: tiny, tinylfu_low: low, tinylfu_high: high, opt: o, ref });
  const f = (x) => x.toFixed(2).padStart(6);
  const d = (x) => ((x >= 0 ? "+" : "") + x.toFixed(2)).padStart(6);
  console.log(
    `${name.padEnd(16)} ${String(size).padStart(5)} ${f(lru)} (${f(ref.lru)}) ${f(tiny)} (${f(low)}–${f(high)})   ${f(best)}  ${d(tiny - best)}  ${d(low - best)}  ${f(o)} (${f(ref.opt)})`,
  );
}
const out = arg("--json", null);
if (out) writeFileSync(out, JSON.stringify(results, null, 2));
