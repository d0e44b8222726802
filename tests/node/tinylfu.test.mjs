// Randomized operations on W-TinyLFU caches, checked after every step against what was written.
//
// W-TinyLFU decides admission from frequency estimates, so which keys stay is not a simple
// function of the operations; what must hold is that the cache never answers with a value that
// is not the last one written for that key, and that size, keys, peek, has and the stats agree.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { loadPackage } from "../support/consumer.mjs";
import { rng } from "../support/rng.mjs";

const LONG = "https://api.example.com/v2/catalog/items/by-id/";

function runScenario(CacheManager, { seed, steps, maxEntries, keyPrefix, keys, defaultTtl = 0 }) {
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  const cache = new CacheManager({ maxEntries, evictionPolicy: "tinylfu", maxKeyLength: 128, defaultTtl });
  // What was written last for each key that was not deleted since, whether or not it was kept.
  const written = new Map();
  const log = [];
  let gets = 0;
  let hits = 0;
  // Skewed keys, so that some are frequent enough to be admitted over others.
  const pickKey = () => `${keyPrefix}${Math.floor(keys * random() ** 2)}`;
  for (let step = 0; step < steps; step++) {
    const key = pickKey();
    const roll = random();
    const context = () => `seed ${seed}, step ${step}, last operations:\n  ${log.join("\n  ")}`;
    const push = (op) => {
      log.push(op);
      if (log.length > 12) log.shift();
    };
    if (roll < 0.35) {
      const value = { step };
      push(`set(${key}, step ${step})`);
      cache.set(key, value);
      written.set(key, value);
    } else if (roll < 0.75) {
      push(`get(${key})`);
      const v = cache.get(key);
      gets++;
      if (v !== undefined) {
        hits++;
        assert.equal(v, written.get(key), `${context()}\nget returned a value that is not the last one written`);
      }
    } else if (roll < 0.82) {
      push(`peek(${key})`);
      const v = cache.peek(key);
      if (v !== undefined) assert.equal(v, written.get(key), `${context()}\npeek`);
      assert.equal(cache.has(key), v !== undefined, `${context()}\nhas agrees with peek`);
    } else if (roll < 0.95) {
      push(`delete(${key})`);
      const had = cache.has(key);
      assert.equal(cache.delete(key), had, `${context()}\ndelete says whether it was there`);
      assert.equal(cache.has(key), false, `${context()}\ngone after delete`);
      written.delete(key);
    } else if (roll < 0.952) {
      push("clear()");
      cache.clear();
      written.clear();
    } else {
      // A key stored twice in a row keeps the newer value.
      const a = { step, first: true };
      const b = { step, first: false };
      push(`set(${key}) twice`);
      cache.set(key, a).set(key, b);
      written.set(key, b);
      const v = cache.get(key);
      gets++;
      if (v !== undefined) hits++;
      assert.ok(v === undefined || v === b, `${context()}\nthe second write wins`);
    }
    const live = cache.keys();
    assert.equal(live.length, cache.size, `${context()}\nsize`);
    assert.ok(live.length <= maxEntries, `${context()}\nbounded`);
    assert.equal(new Set(live).size, live.length, `${context()}\nno key listed twice`);
    if (step % 7 === 0 || step === steps - 1) {
      for (const k of live) assert.equal(cache.peek(k), written.get(k), `${context()}\nlisted key ${k}`);
    }
  }
  const stats = cache.getStats();
  assert.equal(stats.gets, gets);
  assert.equal(stats.hits, hits);
  assert.equal(stats.misses, gets - hits);
  // Frequent keys stay: the run hits often enough that admission is doing its work.
  assert.ok(hits > gets / 10, `hit rate ${hits}/${gets}`);
  cache.free();
}

for (const kind of ["esm", "cjs"]) {
  describe(`W-TinyLFU: randomized operations stay consistent (${kind})`, () => {
    let CacheManager;
    before(async () => {
      const pkg = await loadPackage(kind);
      await pkg.init();
      CacheManager = pkg.CacheManager;
    });

    for (const [keyPrefix, what] of [["k", "short"], [LONG, "long"]]) {
      for (const seed of [1, 2]) {
        test(`${what} keys, seed ${seed}`, () => {
          runScenario(CacheManager, { seed, steps: 4000, maxEntries: 16, keyPrefix, keys: 80 });
        });
      }
      test(`${what} keys, a larger cache`, () => {
        runScenario(CacheManager, { seed: 3, steps: 6000, maxEntries: 200, keyPrefix, keys: 1000 });
      });
      test(`${what} keys with a TTL in play`, () => {
        runScenario(CacheManager, { seed: 4, steps: 3000, maxEntries: 16, keyPrefix, keys: 80, defaultTtl: 3_600_000 });
      });
    }

    // A get that misses is an access W-TinyLFU must count, however the get found the miss.
    for (const [prefix, what] of [["", "a short"], [LONG, "a long"]]) {
      test(`gets that miss ${what} key raise its frequency, so that it is admitted over a colder entry`, () => {
        const kept = (misses) => {
          const cache = new CacheManager({ maxEntries: 100, evictionPolicy: "tinylfu", maxKeyLength: 128 });
          for (let i = 0; i < 100; i++) cache.set(`${prefix}a${i}`, i);
          for (let round = 0; round < 2; round++) for (let i = 0; i < 100; i++) cache.get(`${prefix}a${i}`);
          for (let i = 0; i < misses; i++) assert.equal(cache.get(`${prefix}x`), undefined);
          cache.set(`${prefix}x`, "x");
          // Two newer keys push it out of the window, to compete with the coldest entry of the main region.
          cache.set(`${prefix}y`, "y").set(`${prefix}z`, "z");
          const has = cache.has(`${prefix}x`);
          assert.equal(cache.size, 100);
          cache.free();
          return has;
        };
        assert.equal(kept(0), false, "a key never read loses to entries read twice");
        assert.equal(kept(10), true, "a key missed ten times wins over them");
      });
    }

    test("an expired long key is gone, and storing it again works", async () => {
      const cache = new CacheManager({ maxEntries: 8, evictionPolicy: "tinylfu", maxKeyLength: 128 });
      const key = `${LONG}expiring`;
      cache.set(key, "old", { ttl: 1 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(cache.get(key), undefined);
      assert.equal(cache.has(key), false);
      cache.set(key, "new");
      assert.equal(cache.get(key), "new");
      assert.equal(cache.peek(key), "new");
      assert.equal(cache.delete(key), true);
      assert.equal(cache.get(key), undefined);
      cache.free();
    });
  });
}
