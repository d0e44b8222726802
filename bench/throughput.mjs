// Throughput of cache-wasm beside its peers, interleaved round by round in one Node process.
//
// Every row runs in processes of its own: --forks N fresh processes per row (each interleaving
// every implementation, with its own untimed round), whose samples are pooled, as JMH forks a
// JVM. Which code V8 builds and where the heap puts things differ between processes by more
// than between rounds, and rows sharing a process change each other's figures: the code and
// heap one row leaves behind are where the next one runs.
//
// Each implementation runs its own copy of the row's loop, as an application's call site sees
// one cache class and V8 inlines that class's methods into it. One row, marked as such, runs
// one loop for every implementation instead.
//
// Usage: node bench/throughput.mjs [--forks 1] [--rounds 7] [--ops 400000] [--only "<workload>"] [--json out.json]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { keyParts, makeKeys, makeValues, mixed, opMix, readThrough, readThroughBuilt, zipfStream } from "./workloads.mjs";
import { PLAIN, TELEMETRY, withTtl } from "./peers.mjs";
import { formatResults, interleaved, pool, summarize } from "./stats.mjs";
import { arg } from "./cli.mjs";

const ROUNDS = Number(arg("--rounds", 7));
const OPS = Number(arg("--ops", 400_000));
const FORKS = Number(arg("--forks", 1));
const UNIVERSE = 100_000;
const CAPACITY = 10_000;
const only = arg("--only", null);
// A child process runs the row at this index of `workloads()` and writes its samples there.
const childRow = arg("--row", null);
const childOut = arg("--samples", null);

// A value made on first use: a process makes only what its row needs.
const lazy = (make) => {
  let v;
  return () => (v ??= make());
};

// Each row: its implementations, its loop and the loop's arguments after the cache (made
// before timing); `reads` counts the gets when not every operation is one, and `written` the
// distinct keys the blind sets write.
function workloads() {
  const out = [];
  const vals = lazy(() => makeValues(UNIVERSE));
  const gets = lazy(() => opMix(OPS, 0.8, 7));
  for (const keyLen of [12, 60]) {
    const keys = lazy(() => makeKeys(UNIVERSE, keyLen));
    for (const alpha of [0.8, 1.0, 1.2]) {
      const stream = lazy(() => zipfStream(OPS, UNIVERSE, alpha, 42 + alpha * 10));
      out.push({
        name: `read-through α=${alpha} keys=${keyLen}`,
        impls: PLAIN,
        loop: readThrough,
        args: () => [keys(), vals(), stream()],
      });
      out.push({
        name: `80/20 get/set α=${alpha} keys=${keyLen}`,
        impls: PLAIN,
        loop: mixed,
        args: () => [keys(), vals(), stream(), gets()],
        reads: () => gets().reduce((n, g) => n + g, 0),
        // Below the capacity, nothing is ever evicted.
        written: () => new Set(stream().filter((_, i) => gets()[i] === 0)).size,
      });
    }
  }
  const keys = lazy(() => makeKeys(UNIVERSE, 12));
  const stream = lazy(() => zipfStream(OPS, UNIVERSE, 1.0, 52));
  out.push({
    name: "telemetry cost: read-through α=1.0 keys=12",
    impls: TELEMETRY,
    loop: readThrough,
    args: () => [keys(), vals(), stream()],
  });
  out.push({
    name: "read-through α=1.0 keys=12 ttl=60s",
    impls: withTtl(60_000),
    loop: readThrough,
    args: () => [keys(), vals(), stream()],
  });
  // Applications mostly build a key for each call: a new string every time, whose hash V8 has
  // not yet computed and kept in it, and past 12 characters a rope of its two parts.
  for (const keyLen of [12, 60]) {
    out.push({
      name: `read-through α=1.0 keys=${keyLen} built per call`,
      impls: PLAIN,
      loop: readThroughBuilt,
      args: () => {
        const { prefix, ids } = keyParts(UNIVERSE, keyLen);
        return [prefix, ids, vals(), stream()];
      },
    });
  }
  // Code that takes caches of several classes: one call site sees them all, and V8 inlines
  // none of their methods into it.
  out.push({
    name: "read-through α=1.0 keys=12, one loop for every implementation",
    impls: PLAIN,
    loop: readThrough,
    shared: true,
    args: () => [keys(), vals(), stream()],
  });
  return out;
}

// Runs one row's rounds in this process: each implementation's rate in each round (ops/s)
// and its hit rate.
function runRow(w) {
  const rest = w.args();
  const runOf = Object.fromEntries(
    w.impls.map((impl) => {
      // A function made from the loop's source has type feedback of its own.
      const loop = w.shared ? w.loop : new Function(`return ${w.loop}`)();
      return [impl.name, (c) => loop(c, ...rest)];
    }),
  );
  const samples = Object.fromEntries(w.impls.map((impl) => [impl.name, []]));
  const hitRates = {};
  const reads = w.reads ? w.reads() : OPS;
  // The untimed round warms the JIT for every implementation.
  interleaved(w.impls.length, ROUNDS, (j, timed) => {
    const impl = w.impls[j];
    const cache = impl.make(CAPACITY);
    const t0 = process.hrtime.bigint();
    const hits = runOf[impl.name](cache);
    const ns = Number(process.hrtime.bigint() - t0);
    if (typeof cache.close === "function") cache.close();
    if (typeof cache.cancelTimer === "function") cache.cancelTimer();
    if (typeof cache.free === "function") cache.free();
    if (!timed) return;
    samples[impl.name].push((OPS / ns) * 1e9);
    hitRates[impl.name] = hits / reads;
  });
  return { workload: w.name, impls: w.impls.map((impl) => impl.name), samples, hitRates, written: w.written?.() };
}

// Runs each selected row in `FORKS` child processes, fork after fork, and pools each row's
// samples.
function runForks() {
  const all = workloads().map((w, i) => ({ name: w.name, i }));
  // --only picks the row of exactly that name, else every row whose name contains it.
  const exact = all.some((w) => w.name === only);
  const rows = all.filter((w) => !only || (exact ? w.name === only : w.name.includes(only)));
  const dir = mkdtempSync(join(tmpdir(), "cache-wasm-throughput-"));
  // Per row: every fork's samples, and for each sample the fork it came from.
  const pooled = rows.map(() => null);
  try {
    for (let f = 0; f < FORKS; f++) {
      rows.forEach((row, r) => {
        const file = join(dir, `row-${row.i}-fork-${f}.json`);
        const childArgs = ["--rounds", String(ROUNDS), "--ops", String(OPS), "--row", String(row.i), "--samples", file];
        execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], { stdio: "inherit" });
        pooled[r] = pool(pooled[r], JSON.parse(readFileSync(file, "utf8")), f);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return pooled;
}

if (childRow !== null) {
  const w = workloads()[Number(childRow)];
  if (!w || !childOut) throw new Error(`throughput: no row ${childRow}, or no --samples file`);
  writeFileSync(childOut, JSON.stringify(runRow(w)));
} else {
  const runs = runForks();
  const results = runs.map(summarize);
  console.log(formatResults(results, `(${FORKS} × ${ROUNDS} rounds × ${OPS} ops, capacity ${CAPACITY} of ${UNIVERSE} keys)`));
  const out = arg("--json", null);
  if (out) {
    writeFileSync(out, JSON.stringify({ node: process.version, forks: FORKS, rounds: ROUNDS, ops: OPS, capacity: CAPACITY, results }, null, 2));
  }
}
