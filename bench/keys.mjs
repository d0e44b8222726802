// What finding a string key costs before any cache work, by key length and by how the string
// was made: reading its length, reading every character, cache-wasm's hash of it, and a `Map`
// lookup of it.
//
// A `Map` (lru-cache's index) hashes a string the first time it sees it and keeps the hash in
// the string, so a lookup of a string it has seen reads no character. cache-wasm hashes keys
// of up to 32 characters in JS on every get, set and delete (longer ones are found through a
// `Map`). Keys are made as in the throughput rows, a prefix and a number joined by `+`: past
// 12 characters V8 makes such a string a rope of its two parts, whose characters cost more to
// read than those of a flat string (one made in one piece, as JSON.parse or a network read
// makes it). The rows "built per call" make the key anew for every lookup, as
// `` cache.get(`user:${id}`) `` does: a string no `Map` has seen. Each measure runs its own
// loop over the same ids, interleaved round by round after one untimed round.
//
// Usage: node bench/keys.mjs [--rounds 7] [--json out.json]
import { writeFileSync } from "node:fs";
import { packagedHashes } from "../tests/support/source.mjs";
import { arg } from "./cli.mjs";
import { interleaved, loopCopy, median } from "./stats.mjs";
import { CAPACITY, keyParts, rng } from "./workloads.mjs";

const ROUNDS = Number(arg("--rounds", 7));
const JSON_OUT = arg("--json", null);
const LOOKUPS = 1 << 20;

// Any fixed seed: the hash's cost does not depend on it.
const { hashKey } = packagedHashes()(0x2545f491, () => 0x2545f491);

// A copy of `s` made in one piece.
const flat = (s) => Buffer.from(s, "latin1").toString("latin1");

function charSum(s) {
  let x = 0;
  for (let i = 0; i < s.length; i++) x += s.charCodeAt(i);
  return x;
}

// The key sets: as many keys as a full cache of the throughput rows holds.
const SETS = [12, 32, 60].flatMap((len) => {
  const { prefix, ids } = keyParts(CAPACITY, len);
  const keys = ids.map((id) => prefix + id);
  const made = len > 12 ? "rope" : "flat";
  const sets = [{ name: `${len} ${made}`, prefix, ids, keys }];
  if (len > 12) sets.push({ name: `${len} flat`, prefix: null, ids, keys: keys.map(flat) });
  return sets;
});

// Each measure: for a key set, the function of an id it applies, or null where it does not
// apply (a key built per call is a rope past 12 characters).
const MEASURES = [
  { name: "read its length", make: ({ keys }) => (id) => keys[id].length },
  { name: "read every character (charCodeAt)", make: ({ keys }) => (id) => charSum(keys[id]) },
  { name: "cache-wasm's hash", make: ({ keys }) => (id) => hashKey(keys[id]) },
  {
    name: "Map lookup",
    make: ({ keys }) => {
      const map = new Map(keys.map((k, i) => [k, i]));
      return (id) => map.get(keys[id]);
    },
  },
  {
    name: "cache-wasm's hash, built per call",
    make: ({ prefix, ids }) => (prefix === null ? null : (id) => hashKey(prefix + ids[id])),
  },
  {
    name: "Map lookup, built per call",
    make: ({ prefix, ids, keys }) => {
      if (prefix === null) return null;
      const map = new Map(keys.map((k, i) => [k, i]));
      return (id) => map.get(prefix + ids[id]);
    },
  },
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
// ns[set][measure]: the median ns per lookup, or null.
const ns = SETS.map((set) => {
  const fns = MEASURES.map((m) => m.make(set));
  const run = fns.map((f, j) => (f === null ? null : { f, loop: loopCopy(each, `${MEASURES[j].name} ${set.name}`), ns: [] }));
  const live = run.filter((r) => r !== null);
  interleaved(live.length, ROUNDS, (j, timed) => {
    const t0 = performance.now();
    live[j].loop(live[j].f, stream);
    const ms = performance.now() - t0;
    if (timed) live[j].ns.push((ms * 1e6) / LOOKUPS);
  });
  return run.map((r) => (r === null ? null : median(r.ns)));
});

const col = (s) => s.padStart(10);
const lines = [
  `ns per key, median of ${ROUNDS} rounds × ${LOOKUPS} lookups of ${CAPACITY} keys in random order, Node ${process.version}`,
  "",
  `${"characters, string made as".padEnd(36)}${SETS.map((s) => col(s.name)).join("")}`,
  ...MEASURES.map((m, j) => `${m.name.padEnd(36)}${ns.map((row) => col(row[j] === null ? "–" : row[j].toFixed(1))).join("")}`),
];
console.log(lines.join("\n"));
if (JSON_OUT) {
  const results = SETS.map((s, i) => ({ keys: s.name, ns: Object.fromEntries(MEASURES.map((m, j) => [m.name, ns[i][j]])) }));
  writeFileSync(JSON_OUT, JSON.stringify({ node: process.version, rounds: ROUNDS, results }, null, 2));
}
