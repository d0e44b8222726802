// What each kind of operation costs, one kind at a time, beside lru-cache: where the time of
// the throughput rows goes.
//
// Five kinds, each with 12- and 60-character keys: a get that hits (10,000 stored keys drawn
// from 100,000, read in Zipf order), a get that misses (keys in a cycle over the 90,000 not
// stored), a get that misses followed by the set that stores the key and evicts (keys in a
// cycle over all 100,000), a set of a new key that evicts, as a blind set does (the cycle over
// the keys not stored), and a set over a stored key. Each kind runs in --forks N fresh
// processes, one after another, whose samples are pooled: which code V8 builds and where the
// heap puts things differ between processes by more than between rounds. In each process
// every implementation runs its own copy of the loop, interleaved round by round after one
// untimed round, as in the throughput rows.
//
// Usage: node bench/operations.mjs [--forks 1] [--rounds 9] [--ops 400000] [--json out.json]
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CAPACITY, UNIVERSE, makeKeys, makeValues, readThrough, zipfStream } from "./workloads.mjs";
import { PLAIN } from "./peers.mjs";
import { interleaved, loopCopy, median } from "./stats.mjs";
import { arg } from "./cli.mjs";

const ROUNDS = Number(arg("--rounds", 9));
const OPS = Number(arg("--ops", 400_000));
const FORKS = Number(arg("--forks", 1));
// The evicting caches whose make(capacity) holds exactly `capacity` entries (quick-lru holds
// between half and all of its bound, so a stored key may be gone).
const IMPLS = PLAIN.filter((p) => p.name !== "Map (no eviction)" && p.name !== "quick-lru");

// The timed loops, besides `readThrough`; each returns how many of its operations found
// their key. Each takes everything it uses as arguments, so a copy made from its source works
// the same.
function getAll(cache, keys, stream) {
  let found = 0;
  for (let i = 0; i < stream.length; i++) if (cache.get(keys[stream[i]]) !== undefined) found++;
  return found;
}

function setAll(cache, keys, vals, stream) {
  for (let i = 0; i < stream.length; i++) cache.set(keys[stream[i]], vals[(stream[i] + i) % vals.length]);
  return 0;
}

// Each kind: its loop and the loop's arguments after the cache, whether the stored keys are
// set first (untimed), whether they must all still be there after the loop, and how many
// operations must find their key (a check that every implementation did the same work).
const KINDS = [
  { name: "get, hit", loop: getAll, args: (d) => [d.keys, d.zipf()], filled: true, keeps: true, expect: (n) => n },
  { name: "get, miss", loop: getAll, args: (d) => [d.keys, d.absent()], filled: true, keeps: true, expect: () => 0 },
  { name: "get, miss, then set (evicts)", loop: readThrough, args: (d) => [d.keys, d.vals, d.cycle()], filled: false, keeps: false, expect: () => 0 },
  { name: "set of a new key (evicts)", loop: setAll, args: (d) => [d.keys, d.vals, d.absent()], filled: true, keeps: false, expect: () => 0 },
  { name: "set of a stored key", loop: setAll, args: (d) => [d.keys, d.vals, d.zipf()], filled: true, keeps: true, expect: () => 0 },
];

// How many of the stored keys `cache` holds.
function storedFound(cache, d) {
  let found = 0;
  for (const id of d.stored) if (cache.get(d.keys[id]) !== undefined) found++;
  return found;
}

function runKind(kind, keyLen) {
  const keys = makeKeys(UNIVERSE, keyLen);
  // 10,000 distinct ids spread over the universe; the streams are a Zipf stream over them, a
  // cycle over every id and a cycle over the ids not among them.
  const stored = Int32Array.from(new Set(zipfStream(CAPACITY * 4, UNIVERSE, 0.0001, 9))).subarray(0, CAPACITY);
  const isStored = new Uint8Array(UNIVERSE);
  for (const id of stored) isStored[id] = 1;
  const d = {
    keys,
    vals: makeValues(UNIVERSE),
    stored,
    zipf: () => Int32Array.from(zipfStream(OPS, stored.length, 1.0, 5), (i) => stored[i]),
    cycle: () => Int32Array.from({ length: OPS }, (_, i) => i % UNIVERSE),
    absent: () => {
      const ids = Int32Array.from({ length: UNIVERSE }, (_, i) => i).filter((i) => isStored[i] === 0);
      return Int32Array.from({ length: OPS }, (_, i) => ids[i % ids.length]);
    },
  };
  const rest = kind.args(d);
  const stream = rest[rest.length - 1];
  const loops = IMPLS.map((impl) => loopCopy(kind.loop, impl.name));
  const samples = IMPLS.map(() => []);
  interleaved(IMPLS.length, ROUNDS, (j, timed) => {
    const impl = IMPLS[j];
    const cache = impl.make(CAPACITY);
    if (kind.filled) for (const id of stored) cache.set(keys[id], d.vals[id]);
    const t0 = process.hrtime.bigint();
    const found = loops[j](cache, ...rest);
    const ns = Number(process.hrtime.bigint() - t0) / OPS;
    const kept = kind.keeps ? storedFound(cache, d) : stored.length;
    if (typeof cache.free === "function") cache.free();
    // W-TinyLFU admits a new key only when it is more frequent than the one it would evict,
    // so in the cycle some of its gets hit.
    const admits = impl.name.includes("tinylfu") && kind.loop === readThrough;
    if ((found !== kind.expect(stream.length) && !admits) || kept !== stored.length) {
      throw new Error(`${impl.name}, ${kind.name}: found ${found} keys, not ${kind.expect(stream.length)}; kept ${kept} of ${stored.length}`);
    }
    if (timed) samples[j].push(ns);
  });
  return samples;
}

const [kindArg, lenArg] = [arg("--kind", null), arg("--keys", null)];
if (kindArg !== null) {
  process.stdout.write(JSON.stringify(runKind(KINDS[Number(kindArg)], Number(lenArg))));
} else {
  const runs = FORKS === 1 ? `${ROUNDS} rounds` : `${FORKS} processes × ${ROUNDS} rounds`;
  console.log(`ns per operation, median of ${runs} × ${OPS} operations; × lru-cache is lru-cache's time`);
  console.log("over the implementation's, round by round (above 1 is faster). W-TinyLFU keeps some frequent keys of");
  console.log("the cycle instead of admitting new ones, so in its miss row some gets hit.\n");
  console.log(`${"operation".padEnd(36)} ${"keys".padStart(4)}  ${IMPLS.map((p) => p.name.padStart(19)).join("")}`);
  const results = [];
  for (const keyLen of [12, 60]) {
    KINDS.forEach((kind, k) => {
      // Each process gives every implementation ROUNDS samples in the same order, so the
      // pooled samples of two implementations pair up round by round.
      const samples = IMPLS.map(() => []);
      for (let f = 0; f < FORKS; f++) {
        const out = execFileSync(
          process.execPath,
          [fileURLToPath(import.meta.url), "--kind", String(k), "--keys", String(keyLen), "--rounds", String(ROUNDS), "--ops", String(OPS)],
          { encoding: "utf8", maxBuffer: 16 << 20 },
        );
        JSON.parse(out).forEach((s, j) => samples[j].push(...s));
      }
      const base = samples[0];
      const rows = samples.map((s, j) => ({ impl: IMPLS[j].name, ns: median(s), ratio: median(s.map((x, i) => base[i] / x)) }));
      results.push({ kind: kind.name, keys: keyLen, rows });
      const cells = rows.map((r, j) => (j === 0 ? `${r.ns.toFixed(1)} ns` : `${r.ns.toFixed(1)} ns ${r.ratio.toFixed(2)}×`));
      console.log(`${kind.name.padEnd(36)} ${String(keyLen).padStart(4)}  ${cells.map((c) => c.padStart(19)).join("")}`);
    });
  }
  const out = arg("--json", null);
  if (out !== null) writeFileSync(out, JSON.stringify({ forks: FORKS, rounds: ROUNDS, ops: OPS, results }, null, 2));
}
