// Expiry under a controlled clock, checked step by step against a model that expires exactly.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loadPackage } from "../support/consumer.mjs";
import { rng } from "../support/rng.mjs";

// The package reads the clock through Date.now; the tests move it by whole milliseconds, so
// reads land exactly on expiries.
const realNow = Date.now;
let clock = 1_700_000_000_000;

// Key → { value, exp }: an entry is served while the reading `now()` gives is before `exp`.
class Model {
  constructor(now = () => clock) {
    this.now = now;
    this.map = new Map();
    this.hits = 0;
    this.misses = 0;
    this.ttlHits = 0;
    this.remainingSum = 0;
  }
  live(key) {
    const e = this.map.get(key);
    if (e !== undefined && this.now() >= e.exp) this.map.delete(key);
    return this.map.get(key);
  }
  get(key) {
    const e = this.live(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    if (e.exp !== Infinity) {
      this.ttlHits++;
      this.remainingSum += e.exp - this.now();
    }
    return e.value;
  }
  set(key, value, ttl) {
    this.map.set(key, { value, exp: ttl > 0 ? this.now() + ttl : Infinity });
  }
  size() {
    for (const key of [...this.map.keys()]) this.live(key);
    return this.map.size;
  }
}

// With `ttlClock: "task"` (and `defaultTtl` > 0, so that every operation checks TTLs) the run
// awaits every 25 steps, which ends the synchronous run that took the held clock reading, then
// pins a new one with `size`; between those the model's clock is that reading, while the test
// clock moves on.
async function run(CacheManager, { seed, steps, policy, keyPrefix, defaultTtl, ttlClock = "exact" }) {
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  // Larger than the key space: nothing is evicted for room, so only expiry removes entries.
  const cache = new CacheManager({ maxEntries: 64, evictionPolicy: policy, defaultTtl, ttlClock, maxKeyLength: 80 });
  const perTask = ttlClock === "task";
  let held = clock;
  const model = new Model(perTask ? () => held : () => clock);
  const ttls = [0, 1, 2, 3, 5, 8, 40];
  const log = [];
  try {
    for (let step = 0; step < steps; step++) {
      if (perTask && step % 25 === 0) {
        await null;
        held = clock;
        void cache.size;
        log.push(`${clock}: a new clock reading is held`);
      }
      if (random() < 0.3) clock += int(4);
      const key = `${keyPrefix}${int(24)}`;
      const roll = random();
      const context = () => `seed ${seed}, step ${step}, clock ${clock}\n${log.slice(-12).join("\n")}`;
      if (roll < 0.3) {
        const ttl = random() < 0.15 ? undefined : ttls[int(ttls.length)];
        cache.set(key, step, ttl === undefined ? undefined : { ttl });
        model.set(key, step, ttl ?? defaultTtl);
        log.push(`${clock}: set(${key}, ${step}, ttl ${ttl})`);
      } else if (roll < 0.85) {
        log.push(`${clock}: get(${key})`);
        assert.equal(cache.get(key), model.get(key), context());
      } else if (roll < 0.9) {
        log.push(`${clock}: peek(${key})`);
        assert.equal(cache.peek(key), model.live(key)?.value, context());
      } else if (roll < 0.95) {
        log.push(`${clock}: has(${key})`);
        assert.equal(cache.has(key), model.live(key) !== undefined, context());
      } else if (roll < 0.99) {
        log.push(`${clock}: delete(${key})`);
        assert.equal(cache.delete(key), model.live(key) !== undefined, context());
        model.map.delete(key);
      } else {
        log.push(`${clock}: size`);
        assert.equal(cache.size, model.size(), context());
      }
      if (step % 97 === 0) {
        const stats = cache.getStats();
        // Stats always read the clock, and drop what has expired by it.
        for (const [k, e] of model.map) if (clock >= e.exp) model.map.delete(k);
        assert.equal(stats.hits, model.hits, `${context()}\nhits`);
        assert.equal(stats.misses, model.misses, `${context()}\nmisses`);
        const mean = model.ttlHits === 0 ? 0 : model.remainingSum / model.ttlHits;
        assert.equal(stats.ttl.mean_remaining_ttl_at_hit_ms, mean, `${context()}\nmean remaining TTL at hits`);
      }
    }
    assert.ok(model.hits > steps / 10, `enough hits to mean something (${model.hits})`);
    assert.ok(model.ttlHits > steps / 20, `enough hits on entries with a TTL (${model.ttlHits})`);
  } finally {
    cache.free();
  }
}

// With eviction in play as well: before every get, peek (which asks the engine, without touching
// recency or counts) says what the get must return.
function runEvicting(CacheManager, { seed, steps, policy, keyPrefix }) {
  const random = rng(seed);
  const int = (n) => Math.floor(random() * n);
  const cache = new CacheManager({ maxEntries: 8, evictionPolicy: policy, maxKeyLength: 80 });
  const ttls = [0, 1, 2, 3, 5, 8, 40];
  let gets = 0;
  let hits = 0;
  try {
    for (let step = 0; step < steps; step++) {
      if (random() < 0.3) clock += int(4);
      const key = `${keyPrefix}${int(24)}`;
      if (random() < 0.4) {
        cache.set(key, step, { ttl: ttls[int(ttls.length)] });
      } else {
        const want = cache.peek(key);
        assert.equal(cache.get(key), want, `seed ${seed}, step ${step}, clock ${clock}: get(${key})`);
        gets++;
        if (want !== undefined) hits++;
      }
    }
    const stats = cache.getStats();
    assert.equal(stats.gets, gets);
    assert.equal(stats.hits, hits);
    assert.ok(hits > steps / 20, `enough hits to mean something (${hits})`);
    assert.ok(stats.evictions.by_cause.capacity > 0, "entries were evicted for room");
    assert.ok(stats.evictions.by_cause.expired > 0, "entries expired");
  } finally {
    cache.free();
  }
}

// A long key's prefix: keys made from it are over 32 characters.
const LONG = "https://api.example.com/v2/catalog/items/by-id/";

// Loads the package before the suite runs, and makes Date.now read `clock` until it ends.
// Returns the object whose `CacheManager` the suite's tests use.
function withControlledClock() {
  const pkg = { CacheManager: undefined };
  before(async () => {
    const loaded = await loadPackage("esm");
    await loaded.init();
    pkg.CacheManager = loaded.CacheManager;
    Date.now = () => clock;
  });
  after(() => {
    Date.now = realNow;
  });
  return pkg;
}

describe("expiry under a controlled clock", () => {
  const pkg = withControlledClock();
  for (const policy of ["lru", "tinylfu"]) {
    for (const [keyPrefix, what] of [["k", "short"], [LONG, "long"]]) {
      for (const defaultTtl of [0, 3]) {
        test(`${policy}, ${what} keys, defaultTtl ${defaultTtl}: served exactly until expiry`, async () => {
          for (const seed of [1, 2, 3]) await run(pkg.CacheManager, { seed, steps: 3000, policy, keyPrefix, defaultTtl });
        });
      }
      test(`${policy}, ${what} keys, ttlClock "task": served until expiry by the held clock reading`, async () => {
        for (const seed of [7, 8]) await run(pkg.CacheManager, { seed, steps: 1500, policy, keyPrefix, defaultTtl: 3, ttlClock: "task" });
      });
      test(`${policy}, ${what} keys, a full cache: every get answers as the engine does`, () => {
        for (const seed of [4, 5, 6]) runEvicting(pkg.CacheManager, { seed, steps: 4000, policy, keyPrefix });
      });
    }
  }

  for (const key of ["k", `${LONG}1`]) {
    test(`ttlClock "task" holds a reading until the synchronous run ends, and "exact" reads the clock every time (${key.length}-character key)`, async () => {
      const held = new pkg.CacheManager({ maxEntries: 8, ttlClock: "task", maxKeyLength: 80 });
      const exact = new pkg.CacheManager({ maxEntries: 8, maxKeyLength: 80 });
      try {
        for (const cache of [held, exact]) cache.set(key, "v", { ttl: 2 });
        clock += 10;
        assert.equal(exact.get(key), undefined, "with an exact clock the entry expired");
        assert.equal(exact.getStats().evictions.by_cause.expired, 1);
        // Still the reading taken by the set: the entry is served, and every check agrees.
        assert.equal(held.get(key), "v");
        assert.equal(held.has(key), true);
        assert.equal(held.peek(key), "v");
        assert.equal(held.size, 1);
        await null;
        assert.equal(held.has(key), false, "after the run a new reading is taken");
        assert.equal(held.get(key), undefined);
        assert.equal(held.size, 0);
        const stats = held.getStats();
        assert.equal(stats.hits, 1);
        assert.equal(stats.misses, 1);
        assert.equal(stats.evictions.by_cause.expired, 1);
      } finally {
        held.free();
        exact.free();
      }
    });
  }
});

describe("clear() under a controlled clock", () => {
  const pkg = withControlledClock();
  for (const policy of ["lru", "tinylfu"]) {
    for (const ttlClock of ["exact", "task"]) {
      test(`${policy}, ttlClock "${ttlClock}": entries that expired before clear() count as expired, whether or not a read purged them first`, async () => {
        const figures = [];
        for (const read of [false, true]) {
          await null;
          const cache = new pkg.CacheManager({ maxEntries: 8, evictionPolicy: policy, ttlClock, maxKeyLength: 80 });
          try {
            cache.set("a", 1, { ttl: 5 });
            cache.set(`${LONG}b`, 2, { ttl: 5 });
            cache.set(7, 3, { ttl: 5 });
            cache.set("live", 4);
            await null;
            clock += 10;
            if (read) assert.equal(cache.size, 1);
            cache.clear();
            const s = cache.getStats();
            figures.push({ evictions: s.evictions, removals: s.removals, expired_unread: s.ttl.expired_unread });
          } finally {
            cache.free();
          }
        }
        const want = {
          evictions: { total: 3, by_cause: { capacity: 0, bytes: 0, expired: 3 } },
          removals: { total: 1, by_cause: { deleted: 0, replaced: 0, cleared: 1 } },
          expired_unread: 3,
        };
        assert.deepEqual(figures, [want, want]);
      });
    }
  }
});
