// Throughput of cache-wasm beside its peers in one Node process, interleaved round by round.
//
// Usage: node bench/throughput.mjs [--rounds 7] [--ops 400000] [--json out.json]
import { writeFileSync } from "node:fs";
import { makeKeys, makeValues, opMix, zipfStream } from "./workloads.mjs";
import { PLAIN, TELEMETRY, withTtl } from "./peers.mjs";

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(arg("--rounds", 7));
const OPS = Number(arg("--ops", 400_000));
const UNIVERSE = 100_000;
const CAPACITY = 10_000;
const only = arg("--only", null);

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

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
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
  return only ? out.filter((w) => w.name.includes(only)) : out;
}

const results = [];
for (const w of workloads()) {
  const samples = new Map(w.impls.map((impl) => [impl.name, []]));
  const hitRates = new Map();
  // One untimed round warms the JIT for every implementation.
  for (let round = -1; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? w.impls : [...w.impls].reverse();
    for (const impl of order) {
      const cache = impl.make(CAPACITY);
      const t0 = process.hrtime.bigint();
      const hits = w.run(cache);
      const ns = Number(process.hrtime.bigint() - t0);
      if (typeof cache.close === "function") cache.close();
      if (typeof cache.free === "function") cache.free();
      if (round < 0) continue;
      samples.get(impl.name).push((OPS / ns) * 1e9);
      hitRates.set(impl.name, hits / OPS);
    }
  }
  // Each round's rate is divided by lru-cache's in the same round (a round runs every
  // implementation once, within seconds), so a round where the whole machine was slow does
  // not move the ratio.
  const base = samples.get("lru-cache");
  const rows = w.impls.map((impl) => {
    const s = samples.get(impl.name);
    const med = median(s);
    const ratios = s.map((x, i) => x / base[i]);
    return {
      impl: impl.name,
      ops_per_s: Math.round(med),
      ratio: median(ratios),
      ratio_min: Math.min(...ratios),
      ratio_max: Math.max(...ratios),
      spread: (Math.max(...s) - Math.min(...s)) / med,
      hit_rate: hitRates.get(impl.name),
    };
  });
  results.push({ workload: w.name, rows });
  console.log(`\n${w.name} (${ROUNDS} rounds × ${OPS} ops, capacity ${CAPACITY} of ${UNIVERSE} keys)`);
  console.log("  implementation        Mops/s   × lru-cache (rounds' range)   spread   hit rate");
  for (const r of rows) {
    const range = `${r.ratio_min.toFixed(2)}–${r.ratio_max.toFixed(2)}`;
    console.log(
      `  ${r.impl.padEnd(20)} ${(r.ops_per_s / 1e6).toFixed(2).padStart(7)}   ${r.ratio.toFixed(2).padStart(9)}× ${range.padStart(11)}     ${(r.spread * 100).toFixed(1).padStart(5)}%   ${(r.hit_rate * 100).toFixed(2)}%`,
    );
  }
}

const out = arg("--json", null);
if (out) writeFileSync(out, JSON.stringify({ node: process.version, rounds: ROUNDS, ops: OPS, results }, null, 2));
