// Throughput of cache-wasm beside its peers, interleaved round by round in one Node process.
//
// With --forks N the rounds run in N fresh processes (each interleaving every implementation, with
// its own untimed round) and their samples are pooled, as JMH forks a JVM: which code V8 builds
// and where the heap puts things differ between processes by more than between rounds.
//
// Usage: node bench/throughput.mjs [--forks 1] [--rounds 7] [--ops 400000] [--only "<workload>"] [--json out.json]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { keyParts, makeKeys, makeValues, opMix, zipfStream } from "./workloads.mjs";
import { PLAIN, TELEMETRY, withTtl } from "./peers.mjs";
import { median } from "./stats.mjs";

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(arg("--rounds", 7));
const OPS = Number(arg("--ops", 400_000));
const FORKS = Number(arg("--forks", 1));
const UNIVERSE = 100_000;
const CAPACITY = 10_000;
const only = arg("--only", null);
// Where a forked process writes its raw samples.
const childOut = arg("--samples", null);

function readThrough(cache, keys, vals, stream) {
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    const k = keys[id];
    if (cache.get(k) === undefined) cache.set(k, vals[id]);
    else hits++;
  }
  return hits;
}

// Read-through with each key built where it is used, as in `cache.get(\`user:${id}\`)`.
function readThroughBuilt(cache, prefix, ids, vals, stream) {
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    const k = prefix + ids[id];
    if (cache.get(k) === undefined) cache.set(k, vals[id]);
    else hits++;
  }
  return hits;
}

function mixed(cache, keys, vals, stream, gets) {
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    if (gets[i] === 1) {
      if (cache.get(keys[id]) !== undefined) hits++;
    } else {
      cache.set(keys[id], vals[id]);
    }
  }
  return hits;
}

function workloads() {
  const out = [];
  const vals = makeValues(UNIVERSE);
  for (const keyLen of [12, 60]) {
    const keys = makeKeys(UNIVERSE, keyLen);
    for (const alpha of [0.8, 1.0, 1.2]) {
      const stream = zipfStream(OPS, UNIVERSE, alpha, 42 + alpha * 10);
      out.push({
        name: `read-through α=${alpha} keys=${keyLen}`,
        impls: PLAIN,
        run: (c) => readThrough(c, keys, vals, stream),
      });
      const gets = opMix(OPS, 0.8, 7);
      out.push({
        name: `80/20 get/set α=${alpha} keys=${keyLen}`,
        impls: PLAIN,
        run: (c) => mixed(c, keys, vals, stream, gets),
        // The hit rate is of the gets.
        reads: gets.reduce((n, g) => n + g, 0),
        // Distinct keys the blind sets write: below the capacity, nothing is ever evicted.
        written: new Set(stream.filter((_, i) => gets[i] === 0)).size,
      });
    }
  }
  const keys = makeKeys(UNIVERSE, 12);
  const stream = zipfStream(OPS, UNIVERSE, 1.0, 52);
  out.push({
    name: "telemetry cost: read-through α=1.0 keys=12",
    impls: TELEMETRY,
    run: (c) => readThrough(c, keys, vals, stream),
  });
  out.push({
    name: "read-through α=1.0 keys=12 ttl=60s",
    impls: withTtl(60_000),
    run: (c) => readThrough(c, keys, vals, stream),
  });
  // Applications mostly build a key for each call: a new string every time, whose hash V8 has
  // not yet computed and kept in it, and past 12 characters a rope of its two parts.
  for (const keyLen of [12, 60]) {
    let parts;
    out.push({
      name: `read-through α=1.0 keys=${keyLen} built per call`,
      impls: PLAIN,
      // The parts are made when the row starts (once for every implementation), so that the
      // rows before run on the same heap as without it.
      runFor: () => {
        const { prefix, ids } = (parts ??= keyParts(UNIVERSE, keyLen));
        return (c) => readThroughBuilt(c, prefix, ids, vals, stream);
      },
    });
  }
  // In the other rows one loop calls every implementation, so V8 inlines none of their methods
  // into it. In an application a call site sees one cache class: here each implementation
  // gets its own copy of the loop (a function of its own has its own type feedback). It runs
  // first, as in an application that uses one configuration; after the other rows the caches'
  // own methods would have seen many.
  out.unshift({
    name: "read-through α=1.0 keys=12, a loop per implementation",
    impls: PLAIN,
    runFor: () => {
      const loop = new Function(`return ${readThrough}`)();
      return (c) => loop(c, keys, vals, stream);
    },
  });
  return only ? out.filter((w) => w.name.includes(only)) : out;
}

// Runs every workload's rounds in this process: per workload, each implementation's rate in
// each round (ops/s) and its hit rate.
function runRounds() {
  const runs = [];
  for (const w of workloads()) {
    const samples = Object.fromEntries(w.impls.map((impl) => [impl.name, []]));
    const runOf = Object.fromEntries(w.impls.map((impl) => [impl.name, w.runFor ? w.runFor() : w.run]));
    const hitRates = {};
    // One untimed round warms the JIT for every implementation.
    for (let round = -1; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? w.impls : [...w.impls].reverse();
      for (const impl of order) {
        const cache = impl.make(CAPACITY);
        const t0 = process.hrtime.bigint();
        const hits = runOf[impl.name](cache);
        const ns = Number(process.hrtime.bigint() - t0);
        if (typeof cache.close === "function") cache.close();
        if (typeof cache.cancelTimer === "function") cache.cancelTimer();
        if (typeof cache.free === "function") cache.free();
        if (round < 0) continue;
        samples[impl.name].push((OPS / ns) * 1e9);
        hitRates[impl.name] = hits / (w.reads ?? OPS);
      }
    }
    runs.push({ workload: w.name, impls: w.impls.map((impl) => impl.name), samples, hitRates, written: w.written });
  }
  return runs;
}

// Runs `FORKS` child processes of this script and pools their samples, fork after fork.
function runForks() {
  const dir = mkdtempSync(join(tmpdir(), "cache-wasm-throughput-"));
  // Per workload: every fork's samples, and for each sample the fork it came from.
  const pooled = [];
  try {
    for (let f = 0; f < FORKS; f++) {
      const file = join(dir, `fork-${f}.json`);
      const childArgs = ["--rounds", String(ROUNDS), "--ops", String(OPS), "--samples", file];
      if (only) childArgs.push("--only", only);
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], { stdio: "inherit" });
      const runs = JSON.parse(readFileSync(file, "utf8"));
      runs.forEach((run, i) => {
        pooled[i] ??= { ...run, samples: Object.fromEntries(run.impls.map((name) => [name, []])), forkOf: [] };
        for (const name of run.impls) pooled[i].samples[name].push(...run.samples[name]);
        pooled[i].forkOf.push(...run.samples[run.impls[0]].map(() => f));
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return pooled;
}

// Each round's rate is divided by lru-cache's in the same round (a round runs every
// implementation once, within seconds), so a round where the whole machine was slow does not
// move the ratio.
function summarize(run) {
  const base = run.samples["lru-cache"];
  const forkOf = run.forkOf ?? base.map(() => 0);
  const forks = Math.max(...forkOf) + 1;
  const rows = run.impls.map((name) => {
    const s = run.samples[name];
    const med = median(s);
    const ratios = s.map((x, i) => x / base[i]);
    const forkMedians = Array.from({ length: forks }, (_, f) => median(ratios.filter((_, i) => forkOf[i] === f)));
    return {
      impl: name,
      ops_per_s: Math.round(med),
      ratio: median(ratios),
      ratio_min: Math.min(...ratios),
      ratio_max: Math.max(...ratios),
      fork_ratios: forkMedians,
      spread: (Math.max(...s) - Math.min(...s)) / med,
      hit_rate: run.hitRates[name],
    };
  });
  return { workload: run.workload, rows, keys_written: run.written ?? null };
}

if (childOut) {
  writeFileSync(childOut, JSON.stringify(runRounds()));
} else {
  const runs = FORKS > 1 ? runForks() : runRounds();
  const results = runs.map(summarize);
  for (const { workload, rows } of results) {
    console.log(`\n${workload} (${FORKS} × ${ROUNDS} rounds × ${OPS} ops, capacity ${CAPACITY} of ${UNIVERSE} keys)`);
    console.log("  implementation        Mops/s   × lru-cache (rounds' range)  forks' medians   spread   hit rate");
    for (const r of rows) {
      const range = `${r.ratio_min.toFixed(2)}–${r.ratio_max.toFixed(2)}`;
      const forks = r.fork_ratios.map((x) => x.toFixed(2)).join(" ");
      console.log(
        `  ${r.impl.padEnd(20)} ${(r.ops_per_s / 1e6).toFixed(2).padStart(7)}   ${r.ratio.toFixed(2).padStart(9)}× ${range.padStart(11)}   ${forks.padStart(14)}   ${(r.spread * 100).toFixed(1).padStart(5)}%   ${(r.hit_rate * 100).toFixed(2)}%`,
      );
    }
  }
  const out = arg("--json", null);
  if (out) {
    writeFileSync(out, JSON.stringify({ node: process.version, forks: FORKS, rounds: ROUNDS, ops: OPS, capacity: CAPACITY, results }, null, 2));
  }
}
