// Randomized operations, good and bad, checked step by step against a small Map-based LRU model.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadPackage } from "../support/consumer.mjs";
import { rng } from "../support/rng.mjs";

// The reference: a Map in least-recently-used-first order, bounded by entries and bytes.
class Model {
  constructor({ maxEntries, maxBytes = 0 }) {
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.map = new Map();
    this.bytes = 0;
  }
  touch(key) {
    const entry = this.map.get(key);
    this.map.delete(key);
    this.map.set(key, entry);
  }
  set(key, value, size) {
    this.delete(key);
    this.map.set(key, { value, size });
    this.bytes += size;
    while (this.map.size > this.maxEntries || (this.maxBytes > 0 && this.bytes > this.maxBytes)) {
      this.delete(this.map.keys().next().value);
    }
  }
  get(key) {
    if (!this.map.has(key)) return undefined;
    this.touch(key);
    return this.map.get(key).value;
  }
  peek(key) {
    return this.map.get(key)?.value;
  }
  has(key) {
    return this.map.has(key);
  }
  delete(key) {
    const entry = this.map.get(key);
    if (!entry) return false;
    this.bytes -= entry.size;
    return this.map.delete(key);
  }
  clear() {
    this.map.clear();
    this.bytes = 0;
  }
  keys() {
    return [...this.map.keys()].reverse();
  }
}

const BAD_KEYS = [{}, [], Symbol("k"), undefined, null, false, 2n];

// Keys around the integer keys the index holds as numbers (0 to 2^31 - 1): each beside its
// decimal string, and strings and numbers that look alike but are other keys.
const INT_EDGES = [
  0, "0", -0, "-0", "00", "01", "+1", "1.0", " 1", "1 ", -1, "-1", 1.5, "1.5", 1e21, "1e+21",
  2147483647, "2147483647", 2147483648, "2147483648", 4294967295, "4294967295", "9999999999",
];

function runScenario(CacheManager, { seed, steps, maxEntries, maxBytes, maxKeyLength, keyPrefix = "k", defaultTtl = 0, intKeys = false }) {
  const random = rng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const int = (n) => Math.floor(random() * n);
  // A TTL far longer than the test takes every call through the engine's expiry checks.
  const config = { maxEntries, maxKeyLength, defaultTtl };
  if (maxBytes) config.maxBytes = maxBytes;
  const cache = new CacheManager(config);
  const model = new Model({ maxEntries, maxBytes });
  // String keys, number keys that collide with them, and keys at the length limit.
  const keyPool = [];
  for (let i = 0; i < maxEntries * 2; i++) keyPool.push(`${keyPrefix}${i}`);
  for (let i = 0; i < 4; i++) keyPool.push(i);
  for (let i = 0; i < 4; i++) keyPool.push(String(i));
  keyPool.push("x".repeat(maxKeyLength));
  if (intKeys) {
    for (let i = 0; i < maxEntries * 2; i++) keyPool.push(100 + i, String(100 + i));
    for (const k of INT_EDGES) if (String(k).length <= maxKeyLength) keyPool.push(k);
  }
  const valuePool = [0, 1, "", "text", null, { a: 1 }, [1, 2], 3.25, true];
  const log = [];

  for (let step = 0; step < steps; step++) {
    const key = pick(keyPool);
    const modelKey = String(key);
    const roll = random();
    // Each step names an operation, runs it on the cache and says what the model expects.
    let op;
    let run;
    let expect;
    let bad = false;
    if (roll < 0.3) {
      const value = pick(valuePool);
      const size = maxBytes ? 1 + int(Math.floor(maxBytes / 3)) : undefined;
      op = `set(${JSON.stringify(key)}, ${JSON.stringify(value)}, size ${size})`;
      run = () => (size === undefined ? cache.set(key, value) : cache.set(key, value, { size }));
      expect = () => (model.set(modelKey, value, size ?? 0), cache);
    } else if (roll < 0.55) {
      op = `get(${JSON.stringify(key)})`;
      run = () => cache.get(key);
      expect = () => model.get(modelKey);
    } else if (roll < 0.63) {
      op = `peek(${JSON.stringify(key)})`;
      run = () => cache.peek(key);
      expect = () => model.peek(modelKey);
    } else if (roll < 0.71) {
      op = `has(${JSON.stringify(key)})`;
      run = () => cache.has(key);
      expect = () => model.has(modelKey);
    } else if (roll < 0.81) {
      op = `delete(${JSON.stringify(key)})`;
      run = () => cache.delete(key);
      expect = () => model.delete(modelKey);
    } else if (roll < 0.815) {
      op = "clear()";
      run = () => cache.clear();
      expect = () => model.clear();
    } else {
      // Bad calls: each must throw a TypeError or RangeError and change nothing.
      bad = true;
      const kind = int(6);
      const method = pick(["set", "get", "peek", "has", "delete"]);
      const call = (k) => (method === "set" ? cache.set(k, 1) : cache[method](k));
      if (kind === 0) {
        const badKey = pick(BAD_KEYS);
        op = `${method}(key of type ${typeof badKey})`;
        run = () => call(badKey);
      } else if (kind === 1) {
        const long = "y".repeat(maxKeyLength + 1 + int(3));
        op = `${method}(key of length ${long.length})`;
        run = () => call(long);
      } else if (kind === 2) {
        op = `set(${JSON.stringify(key)}, undefined)`;
        run = () => cache.set(key, undefined);
      } else if (kind === 3) {
        const ttl = pick([NaN, -1, -0.5, "5"]);
        op = `set(${JSON.stringify(key)}, 1, { ttl: ${String(ttl)} })`;
        run = () => cache.set(key, 1, { ttl });
      } else if (kind === 4) {
        const size = pick([NaN, -1, "5"]);
        op = `set(${JSON.stringify(key)}, 1, { size: ${String(size)} })`;
        run = () => cache.set(key, 1, { size });
      } else if (maxKeyLength < 21) {
        // A number whose decimal form is longer than the limit (numbers print exactly up to
        // 21 digits, so only short limits have one).
        const longNumber = Number("1".repeat(maxKeyLength + 1));
        op = `${method}(${longNumber})`;
        run = () => call(longNumber);
      } else {
        const long = "z".repeat(maxKeyLength + 1);
        op = `${method}(key of length ${long.length})`;
        run = () => call(long);
      }
    }
    log.push(op);
    if (log.length > 12) log.shift();
    const context = () => `seed ${seed}, step ${step}, last operations:\n  ${log.join("\n  ")}`;

    if (bad) {
      assert.throws(
        run,
        (err) => err instanceof TypeError || err instanceof RangeError,
        `${context()}\nmust throw a TypeError or RangeError`,
      );
    } else {
      let actual;
      try {
        actual = run();
      } catch (err) {
        assert.fail(`${context()}\nunexpected error: ${err?.stack ?? err}`);
      }
      const expected = expect();
      assert.deepStrictEqual(actual, expected, `${context()}\nresult`);
    }
    assert.equal(cache.size, model.map.size, `${context()}\nsize`);
    assert.deepEqual(cache.keys(), model.keys(), `${context()}\nkeys`);
    if (maxBytes) assert.equal(cache.bytes, model.bytes, `${context()}\nbytes`);
  }
  return { cache, model };
}

for (const kind of ["esm", "cjs"]) {
  describe(`randomized operations against a reference LRU (${kind})`, () => {
    let CacheManager;
    before(async () => {
      const pkg = await loadPackage(kind);
      await pkg.init();
      CacheManager = pkg.CacheManager;
    });

    for (const seed of [1, 2, 3]) {
      test(`entry-bounded cache, seed ${seed}`, () => {
        const { model } = runScenario(CacheManager, { seed, steps: 4000, maxEntries: 6, maxKeyLength: 10 });
        assert.ok(model.map.size > 0);
      });
    }

    for (const seed of [11, 12]) {
      test(`byte-bounded cache with explicit sizes, seed ${seed}`, () => {
        runScenario(CacheManager, { seed, steps: 4000, maxEntries: 8, maxBytes: 90, maxKeyLength: 10 });
      });
    }

    test("a larger cache with a wide key space", () => {
      runScenario(CacheManager, { seed: 99, steps: 3000, maxEntries: 40, maxKeyLength: 12 });
    });

    // Keys over 32 characters take another path (a Map from key to slot).
    const LONG = "https://api.example.com/v2/catalog/items/by-id/";
    for (const seed of [31, 32]) {
      test(`long keys, entry-bounded, seed ${seed}`, () => {
        runScenario(CacheManager, { seed, steps: 4000, maxEntries: 6, maxKeyLength: 64, keyPrefix: LONG });
      });
    }

    test("long keys, byte-bounded", () => {
      runScenario(CacheManager, { seed: 33, steps: 4000, maxEntries: 8, maxBytes: 90, maxKeyLength: 64, keyPrefix: LONG });
    });

    for (const [keyPrefix, what] of [["k", "short"], [LONG, "long"]]) {
      test(`${what} keys with a TTL in play`, () => {
        runScenario(CacheManager, { seed: 35, steps: 3000, maxEntries: 6, maxKeyLength: 64, keyPrefix, defaultTtl: 3_600_000 });
      });
    }

    // Integer keys are held as numbers; each must stay one key with its decimal string.
    for (const seed of [41, 42]) {
      test(`integer keys beside their decimal strings, seed ${seed}`, () => {
        const { model } = runScenario(CacheManager, { seed, steps: 4000, maxEntries: 6, maxKeyLength: 12, intKeys: true });
        assert.ok(model.map.size > 0);
      });
    }

    test("integer keys with a TTL in play", () => {
      runScenario(CacheManager, { seed: 43, steps: 3000, maxEntries: 6, maxKeyLength: 12, intKeys: true, defaultTtl: 3_600_000 });
    });

    test("integer keys in a byte-bounded cache", () => {
      runScenario(CacheManager, { seed: 44, steps: 3000, maxEntries: 8, maxBytes: 90, maxKeyLength: 12, intKeys: true });
    });

    // Below ten characters a number's decimal form may be too long, and must be refused.
    test("integer keys under a maxKeyLength shorter than some of them", () => {
      runScenario(CacheManager, { seed: 45, steps: 3000, maxEntries: 6, maxKeyLength: 4, intKeys: true });
    });

    test("long keys, a larger cache with a wide key space", () => {
      runScenario(CacheManager, { seed: 34, steps: 3000, maxEntries: 40, maxKeyLength: 64, keyPrefix: LONG });
    });

    for (const [prefix, what] of [["", "short"], [LONG, "long"]]) {
      test(`a get finds the live entry of a ${what} key behind an expired one`, async () => {
        const cache = new CacheManager({ maxEntries: 16 });
        // Writes purge at most a few expired entries, earliest first: these expire before the
        // key's first entry and keep it from being purged by the write that stores the second.
        for (let i = 0; i < 12; i++) cache.set(`${prefix}early${i}`, i, { ttl: 1 });
        await new Promise((resolve) => setTimeout(resolve, 2));
        const key = `${prefix}twice`;
        cache.set(key, "old", { ttl: 1 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        cache.set(key, "new", { ttl: 60_000 });
        assert.equal(cache.get(key), "new");
        assert.equal(cache.peek(key), "new");
        assert.equal(cache.size, 1);
        const stats = cache.getStats();
        assert.equal(stats.hits, 1);
        assert.equal(stats.misses, 0);
        cache.free();
      });
    }

    for (const [prefix, what] of [["", "a short"], [LONG, "a long"]]) test(`${what} key stored again while its expired entry waits keeps the newest value`, async () => {
      const cache = new CacheManager({ maxEntries: 4 });
      const key = `${prefix}expiring`;
      cache.set(key, "old", { ttl: 1 });
      cache.set(`${prefix}other`, 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      // The expired entry is still held until something purges it.
      cache.set(key, "new", { ttl: 60_000 });
      assert.equal(cache.get(key), "new");
      assert.equal(cache.size, 2);
      assert.equal(cache.get(key), "new");
      // Four newer keys push it out as the least recent entry.
      for (let i = 0; i < 4; i++) cache.set(`${prefix}fill${i}`, i);
      assert.equal(cache.get(key), undefined, "evicted as least recent");
      assert.equal(cache.size, 4);
      cache.set(key, "again");
      assert.equal(cache.get(key), "again");
      assert.equal(cache.peek(key), "again");
      assert.equal(cache.has(key), true);
      assert.equal(cache.delete(key), true);
      assert.equal(cache.has(key), false);
      assert.equal(cache.delete(key), false);
      cache.free();
    });

    // Without a byte bound sizes are estimated when bytes are read; a cache with a bound too
    // large to matter estimates on every set. Both must always account the same bytes.
    for (const seed of [21, 22]) {
      test(`bytes estimated when read equal bytes estimated on set, seed ${seed}`, () => {
        const random = rng(seed);
        const int = (n) => Math.floor(random() * n);
        const lazy = new CacheManager({ maxEntries: 12 });
        const eager = new CacheManager({ maxEntries: 12, maxBytes: 2 ** 40 });
        const values = [
          "text",
          "x".repeat(300),
          12,
          true,
          null,
          { id: 1, name: "item one", tags: ["a"] },
          { nested: { deep: 1 }, bytes: new Uint8Array(40) },
          new Float64Array(9),
          [1, 2, 3],
        ];
        let reads = 0;
        for (let step = 0; step < 6000; step++) {
          const key = `k${int(30)}`;
          const roll = random();
          for (const c of [lazy, eager]) {
            if (roll < 0.45) c.set(key, values[step % values.length]);
            else if (roll < 0.55) c.set(key, values[step % values.length], { size: step % 50 });
            else if (roll < 0.8) c.get(key);
            else if (roll < 0.97) c.delete(key);
            else if (roll < 0.975) c.clear();
          }
          // Reads come rarely, so many sets, overwrites and removals fall between them.
          if (random() < 0.02) {
            reads++;
            const context = `seed ${seed}, step ${step}`;
            assert.equal(lazy.bytes, eager.bytes, `${context}: bytes`);
            assert.deepEqual(lazy.getStats().size, { ...eager.getStats().size, max_bytes: 0 }, `${context}: stats`);
          }
        }
        assert.ok(reads > 50);
        assert.equal(lazy.bytes, eager.bytes);
        assert.deepEqual(lazy.keys(), eager.keys());
        lazy.free();
        eager.free();
      });
    }
  });
}

// Several caches of both policies in one process, driven in turn with mixed key kinds (short,
// long, integer and their decimal strings, lone surrogates), TTLs beside maxBytes, both TTL
// clocks, clear() and reuse, values whose getters call back into the cache while their size is
// estimated, and large caches that grow the shared WebAssembly memory between steps (every
// other cache's views detach). Each cache has a model that expires exactly under a controlled
// clock and counts every figure getStats() gives. W-TinyLFU chooses its own victims: its model
// learns an eviction when the cache no longer has a live key (has() counts nothing), and checks
// that evictions for room add up to what it learned, and every other figure exactly.
let clock = 1_700_000_000_000;
const realNow = Date.now;

// The package's estimate of a value's size, for values without getters.
function estimate(v) {
  switch (typeof v) {
    case "string":
      return v.length * 2;
    case "number":
      return 8;
    case "boolean":
      return 4;
    case "object": {
      if (v === null) return 0;
      let size = 16;
      for (const k in v) {
        const f = v[k];
        size += k.length * 2 + 8;
        if (typeof f === "string") size += f.length * 2;
        else if (typeof f === "object" && f !== null) size += 64;
      }
      return size;
    }
    default:
      return 64;
  }
}

// Key → { value, size, exp } in least-recently-used-first order, with every count.
class CountingModel {
  constructor({ maxEntries, maxBytes, policy, now }) {
    Object.assign(this, { maxEntries, maxBytes, policy, now });
    this.map = new Map();
    this.bytes = 0;
    this.c = { gets: 0, hits: 0, misses: 0, sets: 0, deletes: 0, capacity: 0, bytes: 0, expired: 0, deleted: 0, replaced: 0, cleared: 0, room: 0 };
  }
  remove(k, cause) {
    this.bytes -= this.map.get(k).size;
    this.map.delete(k);
    this.c[cause]++;
  }
  live(k, now = this.now()) {
    const e = this.map.get(k);
    return e !== undefined && now < e.exp ? e : undefined;
  }
  purge(now = this.now()) {
    for (const [k, e] of [...this.map]) if (now >= e.exp) this.remove(k, "expired");
  }
  get(k) {
    this.c.gets++;
    const e = this.map.get(k);
    if (e !== undefined && this.now() >= e.exp) this.remove(k, "expired");
    const f = this.map.get(k);
    if (f === undefined) {
      this.c.misses++;
      return undefined;
    }
    this.c.hits++;
    this.map.delete(k);
    this.map.set(k, f);
    return f.value;
  }
  set(k, value, ttl, size) {
    const now = this.now();
    this.c.sets++;
    const e = this.map.get(k);
    if (e !== undefined) this.remove(k, now >= e.exp ? "expired" : "replaced");
    // Expired entries leave before any live one is evicted for room.
    if (this.map.size >= this.maxEntries || (this.maxBytes > 0 && this.bytes + size > this.maxBytes)) this.purge(now);
    if (this.policy === "lru") {
      while (this.map.size >= this.maxEntries) this.remove(this.map.keys().next().value, "capacity");
      while (this.maxBytes > 0 && this.bytes + size > this.maxBytes) this.remove(this.map.keys().next().value, "bytes");
    }
    this.map.set(k, { value, size, exp: ttl > 0 ? now + ttl : Infinity });
    this.bytes += size;
  }
  delete(k) {
    this.c.deletes++;
    if (this.live(k) === undefined) return false;
    this.remove(k, "deleted");
    return true;
  }
  clear() {
    this.purge();
    this.c.cleared += this.map.size;
    this.map.clear();
    this.bytes = 0;
  }
  keys() {
    return [...this.map.keys()].reverse();
  }
}

const LONE = ["\ud800", "a\udc00", "\udbff\udfff", "x\ud83d", "\ud83d\ude00"];
const LONG_PREFIX = "https://api.example.com/v2/catalog/items/by-id/";

// W-TinyLFU: a key the model holds live that the cache no longer has was evicted for room.
function learnEviction(r, k) {
  const e = r.model.live(k);
  if (e !== undefined && !r.cache.has(k)) {
    r.model.remove(k, "room");
  }
}
function learnEvictions(r) {
  for (const k of [...r.model.map.keys()]) learnEviction(r, k);
}

async function manyCaches(CacheManager, { seed, caches, steps }) {
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  const pick = (list) => list[int(list.length)];
  const make = (i) => {
    const policy = random() < 0.5 ? "lru" : "tinylfu";
    const maxEntries = pick([1, 2, 3, 5, 8, 20]);
    const maxBytes = random() < 0.4 ? pick([40, 50, 120, 400]) : 0;
    const ttlClock = random() < 0.3 ? "task" : "exact";
    // A task clock is read by every operation once TTLs are in play.
    const defaultTtl = ttlClock === "task" ? pick([5, 50]) : random() < 0.3 ? pick([2, 5, 30]) : 0;
    const kinds = pick([["short"], ["int"], ["long"], ["short", "int", "long", "lone"], ["short", "int"], ["long", "int"]]);
    const config = { maxEntries, maxBytes, defaultTtl, ttlClock, evictionPolicy: policy, maxKeyLength: 80 };
    const r = { i, config, policy, tiny: policy === "tinylfu", cache: new CacheManager(config), held: 0, log: [], recent: [] };
    r.model = new CountingModel({ maxEntries, maxBytes, policy, now: () => (ttlClock === "task" ? r.held : clock) });
    r.pool = [];
    for (let j = 0; j < maxEntries * 2 + 2; j++) {
      for (const kind of kinds) {
        if (kind === "short") r.pool.push(`k${j}`);
        if (kind === "int") r.pool.push(j, String(j + 1));
        if (kind === "long") r.pool.push(`${LONG_PREFIX}${j}`);
        if (kind === "lone") r.pool.push(LONE[j % LONE.length] + j);
      }
    }
    return r;
  };
  const runs = [];
  for (let i = 0; i < caches; i++) runs.push(make(i));
  const large = [];
  const values = [0, 1, "", "text", null, { a: 1 }, [1, 2], 3.25, true, () => 1, "x".repeat(30), { s: "abc", o: {} }];
  // Right after an await, in the synchronous run that follows: a task clock takes a new
  // reading, which `size` pins.
  const newRun = () => {
    if (random() < 0.5) clock += int(4);
    for (const r of runs) {
      if (r.config.ttlClock !== "task") continue;
      r.held = clock;
      r.log.push(`${clock}: a new run`);
      if (r.tiny) learnEvictions(r);
      r.model.purge();
      assert.equal(r.cache.size, r.model.map.size, `seed ${seed}, cache ${r.i} at the start of a run`);
    }
  };
  await null;
  newRun();
  for (let step = 0; step < steps; step++) {
    if (random() < 0.2) clock += int(3);
    if (random() < 0.01) {
      // Grows the shared memory: every other cache's views detach.
      const g = new CacheManager({ maxEntries: 5000 + int(20000) });
      for (let j = 0; j < 3000; j++) g.set(`g${j}`, j, { ttl: 1000 });
      large.push(g);
      if (large.length > 4) large.shift().free();
    }
    if (random() < 0.003) {
      const j = int(runs.length);
      runs[j].cache.free();
      runs[j] = make(j);
      await null;
      newRun();
    }
    if (random() < 0.05) {
      await null;
      newRun();
    }
    const r = pick(runs);
    const { cache, model, tiny } = r;
    // Half the time one of the last few keys used, so that gets find what sets stored.
    const key = r.recent.length !== 0 && random() < 0.5 ? pick(r.recent) : pick(r.pool);
    r.recent = [...r.recent.slice(-3), key];
    const mkey = String(key);
    const note = (op) => {
      r.log.push(`${clock}: ${op}`);
      if (r.log.length > 16) r.log.shift();
    };
    const context = (what) => `seed ${seed}, step ${step}, cache ${r.i} ${JSON.stringify(r.config)}\n  ${r.log.join("\n  ")}\n${what}`;
    const roll = random();
    if (roll < 0.3) {
      const value = pick(values);
      const ttl = random() < 0.5 ? undefined : pick([0, 1, 2, 3, 10, 100, 1000]);
      const size = random() < 0.6 ? int(r.config.maxBytes ? r.config.maxBytes / 2 : 50) : undefined;
      const options = {};
      if (ttl !== undefined) options.ttl = ttl;
      if (size !== undefined) options.size = size;
      note(`set(${JSON.stringify(key)}, ${typeof value === "function" ? "a function" : JSON.stringify(value)}, ${JSON.stringify(options)})`);
      const accounted = size ?? estimate(value);
      if (r.config.maxBytes && accounted > r.config.maxBytes) {
        assert.throws(() => cache.set(key, value, options), RangeError, context("an entry that can never fit"));
        continue;
      }
      if (tiny) learnEviction(r, mkey);
      cache.set(key, value, ttl === undefined && size === undefined && random() < 0.2 ? undefined : options);
      model.set(mkey, value, ttl ?? r.config.defaultTtl, accounted);
      if (tiny && (model.map.size > model.maxEntries || (model.maxBytes > 0 && model.bytes > model.maxBytes))) learnEvictions(r);
    } else if (roll < 0.58) {
      note(`get(${JSON.stringify(key)})`);
      const got = cache.get(key);
      if (tiny && got === undefined) learnEviction(r, mkey);
      assert.equal(got, model.get(mkey), context("get"));
    } else if (roll < 0.65) {
      note(`peek(${JSON.stringify(key)})`);
      const got = cache.peek(key);
      if (tiny && got === undefined) learnEviction(r, mkey);
      assert.equal(got, model.live(mkey)?.value, context("peek"));
    } else if (roll < 0.72) {
      note(`has(${JSON.stringify(key)})`);
      const got = cache.has(key);
      if (tiny && !got) learnEviction(r, mkey);
      assert.equal(got, model.live(mkey) !== undefined, context("has"));
    } else if (roll < 0.81) {
      note(`delete(${JSON.stringify(key)})`);
      if (tiny) learnEviction(r, mkey);
      assert.equal(cache.delete(key), model.delete(mkey), context("delete"));
    } else if (roll < 0.82) {
      note("clear()");
      if (tiny) learnEvictions(r);
      cache.clear();
      model.clear();
    } else if (roll < 0.93) {
      const what = pick(["size", "keys", "bytes", "stats"]);
      note(what);
      if (tiny) learnEvictions(r);
      if (what === "stats") {
        const s = cache.getStats();
        // Stats always read the clock.
        model.purge(clock);
        const c = model.c;
        const counts = { gets: s.gets, hits: s.hits, misses: s.misses, sets: s.sets, deletes: s.deletes };
        assert.deepEqual(counts, { gets: c.gets, hits: c.hits, misses: c.misses, sets: c.sets, deletes: c.deletes }, context("counts"));
        assert.deepEqual(s.removals.by_cause, { deleted: c.deleted, replaced: c.replaced, cleared: c.cleared }, context("removals"));
        const { capacity, bytes, expired } = s.evictions.by_cause;
        if (tiny) assert.deepEqual([capacity + bytes, expired], [c.room, c.expired], context("evictions"));
        else assert.deepEqual(s.evictions.by_cause, { capacity: c.capacity, bytes: c.bytes, expired: c.expired }, context("evictions"));
        assert.deepEqual([s.size.entries, s.size.bytes], [model.map.size, model.bytes], context("sizes"));
      } else {
        model.purge();
        if (what === "size") assert.equal(cache.size, model.map.size, context("size"));
        if (what === "keys") assert.deepEqual(cache.keys(), model.keys(), context("keys()"));
        if (what === "bytes") assert.equal(cache.bytes, model.bytes, context("bytes"));
      }
    } else if (roll < 0.96) {
      // A value whose getter calls back into the cache while its size is estimated (by this
      // set under maxBytes, else when bytes are next read); each call is made on the model
      // at the same moment. On W-TinyLFU, reads only: a write there may evict what the model
      // cannot tell.
      const calls = [];
      for (let j = 1 + int(3); j > 0; j--) {
        calls.push([pick(tiny ? ["get", "peek", "has"] : ["get", "peek", "has", "set", "delete"]), pick(r.pool), int(5)]);
      }
      const value = {
        get g() {
          for (const [method, k, v] of calls) {
            const ks = String(k);
            note(`  the getter: ${method}(${JSON.stringify(k)})`);
            if (method === "set") {
              cache.set(k, v, { size: 3 });
              model.set(ks, v, r.config.defaultTtl, 3);
            } else if (method === "delete") {
              assert.equal(cache.delete(k), model.delete(ks), context("delete in a getter"));
            } else {
              const got = cache[method](k);
              if (tiny && (got === undefined || got === false)) learnEviction(r, ks);
              const want = method === "get" ? model.get(ks) : method === "peek" ? model.live(ks)?.value : model.live(ks) !== undefined;
              assert.equal(got, want, context(`${method} in a getter`));
            }
          }
          return "abc";
        },
      };
      // 16, and the field g: 2 + 8 for its name, 6 for "abc".
      const size = 32;
      if (r.config.maxBytes && size > r.config.maxBytes) continue;
      note(`set(${JSON.stringify(key)}, a value whose getter makes ${JSON.stringify(calls)})`);
      if (tiny) learnEviction(r, mkey);
      cache.set(key, value);
      model.set(mkey, value, r.config.defaultTtl, size);
      if (tiny && (model.map.size > model.maxEntries || (model.maxBytes > 0 && model.bytes > model.maxBytes))) learnEvictions(r);
    } else {
      const badKey = pick([{}, null, undefined, Symbol("k"), "y".repeat(81), NaN, Infinity]);
      const method = pick(["get", "set", "peek", "has", "delete"]);
      note(`${method}(a bad key)`);
      assert.throws(() => (method === "set" ? cache.set(badKey, 1) : cache[method](badKey)), context("a bad key"));
    }
  }
  for (const r of runs) r.cache.free();
  for (const g of large) g.free();
}

for (const kind of ["esm", "cjs"]) {
  describe(`many caches sharing one memory, against counting models under a controlled clock (${kind})`, () => {
    let CacheManager;
    before(async () => {
      const pkg = await loadPackage(kind);
      await pkg.init();
      CacheManager = pkg.CacheManager;
      Date.now = () => clock;
    });
    after(() => {
      Date.now = realNow;
    });

    for (const seed of kind === "esm" ? [1, 2, 3, 4] : [5, 6]) {
      test(`seed ${seed}`, async () => {
        await manyCaches(CacheManager, { seed, caches: 5, steps: 3000 });
      });
    }
  });
}
