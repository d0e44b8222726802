// Deterministic key streams for the benchmarks: Zipf-distributed keys, values and op mixes.

/** The throughput workloads' key space, and the capacity of the caches that run them. */
export const UNIVERSE = 100_000;
export const CAPACITY = 10_000;
// The row the speed target is judged on: read-through, Zipf α=1, 12-character keys.
export const HEADLINE = "read-through α=1 keys=12";

/** A small seeded PRNG (mulberry32) so every run replays the same stream. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` ranks drawn from Zipf(alpha) over `universe` items, as an Int32Array of item ids. */
export function zipfStream(n, universe, alpha, seed) {
  const cdf = new Float64Array(universe);
  let sum = 0;
  for (let i = 0; i < universe; i++) {
    sum += 1 / Math.pow(i + 1, alpha);
    cdf[i] = sum;
  }
  for (let i = 0; i < universe; i++) cdf[i] /= sum;
  // Ranks map to shuffled ids so popular keys are spread over the id space.
  const ids = new Int32Array(universe);
  for (let i = 0; i < universe; i++) ids[i] = i;
  const r = rng(seed ^ 0x9e3779b9);
  for (let i = universe - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  const draw = rng(seed);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const u = draw();
    let lo = 0;
    let hi = universe - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[k] = ids[lo];
  }
  return out;
}

/** The parts of the keys of `makeKeys`: key `i` is `prefix + ids[i]`. */
export function keyParts(universe, len) {
  const prefix = len >= 60 ? "https://api.example.com/v2/catalog/items/by-id/" : "key:";
  const ids = new Array(universe);
  for (let i = 0; i < universe; i++) ids[i] = String(i).padStart(len - prefix.length, "0");
  return { prefix, ids };
}

/** Key strings of exactly `len` characters for ids 0..universe-1. */
export function makeKeys(universe, len) {
  const { prefix, ids } = keyParts(universe, len);
  const keys = new Array(universe);
  for (let i = 0; i < universe; i++) keys[i] = prefix + ids[i];
  return keys;
}

/** One small object value per id, made before timing starts. */
export function makeValues(universe) {
  const vals = new Array(universe);
  for (let i = 0; i < universe; i++) vals[i] = { id: i, name: `item ${i}`, score: i % 97 };
  return vals;
}

/** A get/blind-set mix: true where the op is a get, with probability `getShare`. */
export function opMix(n, getShare, seed) {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r() < getShare ? 1 : 0;
  return out;
}

/**
 * Read-through: `get`, then `set` on a miss, for each id of `stream`; returns the hits. It takes
 * everything it uses as arguments, so a copy made from its source works the same.
 */
export function readThrough(cache, keys, vals, stream) {
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    const k = keys[id];
    if (cache.get(k) === undefined) cache.set(k, vals[id]);
    else hits++;
  }
  return hits;
}

/** Read-through with each key built where it is used, as in `cache.get(\`user:${id}\`)`. */
export function readThroughBuilt(cache, prefix, ids, vals, stream) {
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    const k = prefix + ids[id];
    if (cache.get(k) === undefined) cache.set(k, vals[id]);
    else hits++;
  }
  return hits;
}

/**
 * Read-through over two caches of one class, as in an application with a cache for each kind
 * of data: even ids go to `pair[0]`, odd ids to `pair[1]`, and both fill at once.
 */
export function readThroughPair(pair, keys, vals, stream) {
  const even = pair[0];
  const odd = pair[1];
  let hits = 0;
  for (let i = 0; i < stream.length; i++) {
    const id = stream[i];
    const cache = (id & 1) === 0 ? even : odd;
    const k = keys[id];
    if (cache.get(k) === undefined) cache.set(k, vals[id]);
    else hits++;
  }
  return hits;
}

/** Gets where `gets[i]` is 1 and blind sets elsewhere; returns the hits of the gets. */
export function mixed(cache, keys, vals, stream, gets) {
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

// A value made on first use: a process makes only what its row needs.
const lazy = (make) => {
  let v;
  return () => (v ??= make());
};

/**
 * The throughput rows that run on caches without TTLs, with `ops` operations over `universe`
 * keys, in the order the report gives them. Each row: its name, its loop and `args()`, the
 * loop's arguments after the cache (made on first call); an 80/20 row also has `reads()`, how
 * many of its operations are gets, and `written()`, the distinct keys its blind sets write.
 * The row marked `pair` gives its loop two caches of half the capacity each, and the row
 * marked `shared` runs one loop for every implementation.
 */
export function plainRows(ops, universe) {
  const out = [];
  const vals = lazy(() => makeValues(universe));
  const gets = lazy(() => opMix(ops, 0.8, 7));
  for (const keyLen of [12, 60]) {
    const keys = lazy(() => makeKeys(universe, keyLen));
    for (const alpha of [0.8, 1.0, 1.2]) {
      const stream = lazy(() => zipfStream(ops, universe, alpha, 42 + alpha * 10));
      out.push({
        name: `read-through α=${alpha} keys=${keyLen}`,
        loop: readThrough,
        args: () => [keys(), vals(), stream()],
      });
      out.push({
        name: `80/20 get/set α=${alpha} keys=${keyLen}`,
        loop: mixed,
        args: () => [keys(), vals(), stream(), gets()],
        reads: () => gets().reduce((n, g) => n + g, 0),
        // Below the capacity, nothing is ever evicted.
        written: () => new Set(stream().filter((_, i) => gets()[i] === 0)).size,
      });
    }
  }
  const keys = lazy(() => makeKeys(universe, 12));
  const stream = lazy(() => zipfStream(ops, universe, 1.0, 52));
  // Applications mostly build a key for each call: a new string every time, whose hash V8 has
  // not yet computed and kept in it, and past 12 characters a rope of its two parts.
  for (const keyLen of [12, 60]) {
    out.push({
      name: `read-through α=1.0 keys=${keyLen} built per call`,
      loop: readThroughBuilt,
      args: () => {
        const { prefix, ids } = keyParts(universe, keyLen);
        return [prefix, ids, vals(), stream()];
      },
    });
  }
  // Numeric ids as keys. The peers keep them as numbers in their Map; cache-wasm holds an
  // integer key as a number too (it is the same key as its decimal string).
  const ints = lazy(() => Array.from({ length: universe }, (_, i) => i));
  out.push({
    name: "read-through α=1.0 integer keys",
    loop: readThrough,
    args: () => [ints(), vals(), stream()],
  });
  // An application with two caches: with cache-wasm they share one WebAssembly memory, and
  // each grows it while the other is in use.
  out.push({
    name: "read-through α=1.0 keys=12, two caches of half the capacity",
    loop: readThroughPair,
    pair: true,
    args: () => [keys(), vals(), stream()],
  });
  // Code that takes caches of several classes: one call site sees them all, and V8 inlines
  // none of their methods into it.
  out.push({
    name: "read-through α=1.0 keys=12, one loop for every implementation",
    loop: readThrough,
    shared: true,
    args: () => [keys(), vals(), stream()],
  });
  return out;
}
