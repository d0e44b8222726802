// Cost of building a metric frame and of getStats at 10k and 1M entries: it must not grow with size.
//
// Usage: node bench/frames.mjs
import { CacheManager } from "../cache-wasm/pkg/node.mjs";
import { makeKeys } from "./workloads.mjs";

const REPEAT = 200;

async function measure(entries) {
  const cache = new CacheManager({ maxEntries: entries, enableTelemetry: true, telemetryInterval: 3600 });
  const keys = makeKeys(entries, 12);
  for (let i = 0; i < entries; i++) cache.set(keys[i], i);
  for (let i = 0; i < 10_000; i++) cache.get(keys[(i * 7919) % entries]);
  await cache.flushTelemetry();
  const frameSamples = [];
  const statsSamples = [];
  for (let r = 0; r < REPEAT; r++) {
    for (let i = 0; i < 100; i++) cache.get(keys[(r * 100 + i) % entries]);
    let t0 = process.hrtime.bigint();
    await cache.flushTelemetry();
    frameSamples.push(Number(process.hrtime.bigint() - t0) / 1000);
    t0 = process.hrtime.bigint();
    cache.getStats("hour");
    statsSamples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  cache.free();
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return { entries, frame_us: med(frameSamples), stats_hour_us: med(statsSamples) };
}

const rows = [];
for (const n of [10_000, 1_000_000]) rows.push(await measure(n));
console.log("entries     frame (median µs)   getStats('hour') (median µs)");
for (const r of rows) {
  console.log(`${String(r.entries).padStart(9)}   ${r.frame_us.toFixed(1).padStart(17)}   ${r.stats_hour_us.toFixed(1).padStart(28)}`);
}
console.log(`ratio 1M / 10k: frame ${(rows[1].frame_us / rows[0].frame_us).toFixed(2)}×, stats ${(rows[1].stats_hour_us / rows[0].stats_hour_us).toFixed(2)}×`);
