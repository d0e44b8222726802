// Randomized operations, good and bad, checked step by step against a small Map-based LRU model.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
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
