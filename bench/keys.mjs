// What finding a string key costs before any cache work, by key length: reading its length,
// reading every character, cache-wasm's hash of it, and a `Map` lookup of it.
//
// A `Map` (lru-cache's index) hashes a string the first time it sees it and keeps the hash in
// the string, so a lookup of a string it has seen reads no character. cache-wasm hashes keys
// of up to 32 characters in JS on every get, set and delete (longer ones are found through a
// `Map`). Keys are made as in the throughput rows, a prefix and a number joined by `+` (past
// 12 characters V8 makes such a string a rope of its two parts). The rows "built per call"
// make the key anew for every lookup, as `` cache.get(`user:${id}`) `` does: a string no `Map`
// has seen. Each measure runs its own loop over the same ids, interleaved round by round after
// one untimed round.
//
// Usage: node bench/keys.mjs [--rounds 7] [--json out.json]
import { writeFileSync } from "node:fs";
import { packagedHashes } from "../tests/support/source.mjs";
import { arg } from "./cli.mjs";
import { interleaved, loopCopy, median } from "./stats.mjs";
import { CAPACITY, keyParts, makeKeys, rng } from "./workloads.mjs";

const ROUNDS = Number(arg("--rounds", 7));
const JSON_OUT = arg("--json", null);
const LOOKUPS = 1 << 20;
const LENGTHS = [12, 32, 60];

// Any fixed seed: the hash's cost does not depend on it.
const { hashKey } = packagedHashes()(0x2545f491, () => 0x2545f491);

function charSum(s) {
  let x = 0;
  for (let i = 0; i < s.length; i++) x += s.charCodeAt(i);
  return x;
}

// Each measure: given the keys (as many as a full cache of the throughput rows holds), the
// parts they were made from and a `Map` holding them, the function of an id it times.
const MEASURES = [
  { name: "read its length", make: ({ keys }) => (id) => keys[id].length },
  { name: "read every character (charCodeAt)", make: ({ keys }) => (id) => charSum(keys[id]) },
  { name: "cache-wasm's hash", make: ({ keys }) => (id) => hashKey(keys[id]) },
  { name: "Map lookup", make: ({ keys, map }) => (id) => map.get(keys[id]) },
  { name: "cache-wasm's hash, built per call", make: ({ prefix, ids }) => (id) => hashKey(prefix + ids[id]) },
  { name: "Map lookup, built per call", make: ({ prefix, ids, map }) => (id) => map.get(prefix + ids[id]) },
];

// A measure's loop: `f` applied to every id of the stream, folded so that none of the work
// can be left out.
function each(f, stream) {
  let x = 0;
  for (let i = 0; i < stream.length; i++) x ^= f(stream[i]);
  return x;
}

const draw = rng(12);
const stream = Int32Array.from({ length: LOOKUPS }, () => Math.floor(draw() * CAPACITY));
// ns[length][measure]: the median ns per lookup.
const ns = LENGTHS.map((len) => {
  const { prefix, ids } = keyParts(CAPACITY, len);
  const keys = makeKeys(CAPACITY, len);
  const map = new Map(keys.map((k, i) => [k, i]));
  const fns = MEASURES.map((m) => m.make({ keys, prefix, ids, map }));
  const loops = MEASURES.map((m) => loopCopy(each, `${m.name} ${len}`));
  const samples = MEASURES.map(() => []);
  interleaved(MEASURES.length, ROUNDS, (j, timed) => {
    const t0 = performance.now();
    loops[j](fns[j], stream);
    const ms = performance.now() - t0;
    if (timed) samples[j].push((ms * 1e6) / LOOKUPS);
  });
  return samples.map(median);
});

const col = (s) => String(s).padStart(10);
console.log(
  [
    `ns per key, median of ${ROUNDS} rounds × ${LOOKUPS} lookups of ${CAPACITY} keys in random order, Node ${process.version}`,
    "",
    `${"characters".padEnd(36)}${LENGTHS.map(col).join("")}`,
    ...MEASURES.map((m, j) => `${m.name.padEnd(36)}${ns.map((row) => col(row[j].toFixed(1))).join("")}`),
  ].join("\n"),
);
if (JSON_OUT) {
  const results = LENGTHS.map((len, i) => ({ chars: len, ns: Object.fromEntries(MEASURES.map((m, j) => [m.name, ns[i][j]])) }));
  writeFileSync(JSON_OUT, JSON.stringify({ node: process.version, rounds: ROUNDS, results }, null, 2));
}
