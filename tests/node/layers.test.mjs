// Layers below memory from the packed package: the walk, promotion, write-through, expiry, faults and fetch.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { loadPackage } from "../support/consumer.mjs";
import { MapStore } from "../support/stores.mjs";

let mod;
let CacheManager;

before(async () => {
  ({ module: mod, CacheManager } = await loadPackage("esm"));
});

function twoLayers(extra = {}) {
  const upper = new MapStore();
  const lower = new MapStore();
  const cache = new CacheManager({
    enableTelemetry: true,
    layers: [
      { name: "upper", store: upper },
      { name: "lower", store: lower },
    ],
    ...extra,
  });
  return { cache, upper, lower };
}

describe("the walk", () => {
  test("a hit below is promoted into memory and the layers above, with the same absolute expiry", async () => {
    const { cache, upper, lower } = twoLayers();
    const exp = Date.now() + 60_000;
    lower.records.set("k", { v: { deep: true }, exp });
    assert.deepEqual(await cache.getAsync("k"), { deep: true });
    assert.deepEqual(cache.peek("k"), { deep: true }, "promoted into memory");
    // Promotions to layers go on after the read answers.
    await cache.settled();
    assert.deepEqual(upper.records.get("k"), { v: { deep: true }, exp }, "promoted into the layer above");
    const stats = cache.getStats();
    assert.equal(stats.layers.upper.misses, 1);
    assert.equal(stats.layers.lower.hits, 1);
    assert.equal(stats.layers.lower.gets, 1);
    assert.equal(stats.layers.upper.latency.get.count, 1);
    assert.equal(stats.layers.upper.latency.set.count, 1, "the promotion was timed");
    // Now a memory hit: no layer is asked.
    const calls = upper.calls + lower.calls;
    assert.deepEqual(await cache.getAsync("k"), { deep: true });
    assert.equal(upper.calls + lower.calls, calls);
    cache.free();
  });

  test("a read answers without waiting for its promotions, which land in the background", async () => {
    const upper = new MapStore();
    const lower = new MapStore();
    const slowSet = upper.set.bind(upper);
    upper.set = async (k, v) => {
      await sleep(300);
      return slowSet(k, v);
    };
    const cache = new CacheManager({
      layers: [
        { name: "upper", store: upper },
        { name: "lower", store: lower },
      ],
    });
    const exp = Date.now() + 200;
    lower.records.set("k", { v: "short-lived", exp });
    assert.equal(await cache.getAsync("k"), "short-lived");
    assert.ok(Date.now() < exp, "answered before the value expired");
    assert.equal(upper.records.has("k"), false, "the promotion is still under way");
    await cache.settled();
    assert.deepEqual(upper.records.get("k"), { v: "short-lived", exp });
    cache.free();
  });

  test("a hit too large for maxBytes is served from its layer and counts no error", async () => {
    const { cache, upper, lower } = twoLayers({ maxBytes: 100 });
    const big = "x".repeat(1000);
    lower.records.set("big", { v: big, exp: 0 });
    for (let i = 0; i < 3; i++) assert.equal(await cache.getAsync("big"), big);
    assert.equal(await cache.fetch("big", () => assert.fail("must not load")), big);
    await cache.settled();
    assert.equal(cache.has("big"), false, "it never fits in memory");
    assert.deepEqual(upper.records.get("big"), { v: big, exp: 0 }, "promoted into the layer above");
    const stats = cache.getStats();
    assert.equal(stats.errors.total, 0, JSON.stringify(stats.errors.by_type));
    assert.equal(stats.layers.lower.hits, 1);
    assert.equal(stats.layers.upper.hits, 3);
    // An expiry beyond the longest TTL a cache writes is still a hit, and promoted.
    lower.records.set("far", { v: "far", exp: 1e300 });
    assert.equal(await cache.getAsync("far"), "far");
    assert.equal(cache.peek("far"), "far");
    assert.equal(cache.getStats().errors.total, 0);
    cache.free();
  });

  test("a size given to setAsync or fetch travels with the value, so a promotion accounts the same bytes", async () => {
    const { cache, upper, lower } = twoLayers({ maxBytes: 10_000 });
    const exp = Date.now() + 60_000;
    await cache.setAsync("a", { url: "a" }, { size: 6000, ttl: 60_000 });
    assert.equal(lower.records.get("a").size, 6000);
    assert.deepEqual(await cache.fetch("b", async () => ({ url: "b" }), { size: 3000 }), { url: "b" });
    assert.equal(lower.records.get("b").size, 3000);
    await cache.setAsync("c", "estimated");
    assert.deepEqual(lower.records.get("c"), { v: "estimated", exp: 0 }, "an estimate does not travel");
    cache.clear();
    upper.records.clear();
    assert.deepEqual(await cache.getAsync("a"), { url: "a" });
    assert.equal(cache.bytes, 6000, "promoted with the size it was written with");
    await cache.settled();
    assert.equal(upper.records.get("a").size, 6000, "promoted into the layer above with its size");
    assert.ok(upper.records.get("a").exp >= exp - 1000);
    // The byte bound holds for promoted entries as for stored ones: b (3000) fits beside a,
    // another 6000 does not.
    await cache.getAsync("b");
    assert.equal(cache.bytes, 9000);
    await cache.setAsync("d", { url: "d" }, { size: 6000 });
    assert.ok(cache.bytes <= 10_000, `bytes ${cache.bytes}`);
    assert.equal(cache.has("a") && cache.has("d"), false, "two entries of 6000 bytes never fit together");
    // A size that is not a whole number of bytes from 0 to 2^32 - 1 is not taken: the value is estimated.
    for (const size of [-1, 1.5, "6000", 2 ** 32, Infinity]) {
      cache.clear();
      lower.records.set("e", { v: "ee", exp: 0, size });
      upper.records.delete("e");
      assert.equal(await cache.getAsync("e"), "ee");
      assert.equal(cache.bytes, 4, `size ${String(size)}`);
    }
    assert.equal(cache.getStats().errors.total, 0);
    cache.free();
  });

  test("a miss everywhere is undefined and counted in every layer", async () => {
    const { cache } = twoLayers();
    assert.equal(await cache.getAsync("nothing"), undefined);
    const { layers } = cache.getStats();
    assert.deepEqual([layers.upper.misses, layers.lower.misses, layers.memory.misses], [1, 1, 1]);
    assert.equal(layers.upper.hit_rate, 0);
    cache.free();
  });

  test("numbers are keys as their decimal string, bad keys reject with the cache unchanged", async () => {
    const { cache, upper } = twoLayers();
    await cache.setAsync(7, "seven");
    assert.ok(upper.records.has("7"));
    assert.equal(await cache.getAsync("7"), "seven");
    await assert.rejects(cache.getAsync({}), TypeError);
    await assert.rejects(cache.setAsync("k", undefined), TypeError);
    await assert.rejects(cache.setAsync("k", 1, { ttl: -1 }), RangeError);
    await assert.rejects(cache.fetch("k", "not a function"), TypeError);
    assert.equal(upper.records.has("k"), false);
    cache.free();
  });
});

describe("writes and deletes", () => {
  test("setAsync writes an envelope with the absolute expiry through to every layer", async () => {
    const { cache, upper, lower } = twoLayers();
    const t0 = Date.now();
    assert.equal(await cache.setAsync("k", "v", { ttl: 5_000 }), cache);
    const t1 = Date.now();
    for (const store of [upper, lower]) {
      const { v, exp } = store.records.get("k");
      assert.equal(v, "v");
      assert.ok(exp >= t0 + 5_000 && exp <= t1 + 5_000, `exp ${exp} is absolute`);
    }
    assert.equal(upper.records.get("k").exp, lower.records.get("k").exp, "one expiry everywhere");
    await cache.setAsync("forever", 1);
    assert.equal(upper.records.get("forever").exp, 0, "no TTL is exp 0");
    cache.free();
  });

  test("deleteAsync removes from every layer and the key never comes back", async () => {
    const { cache, upper, lower } = twoLayers();
    await cache.setAsync("k", "v");
    assert.equal(await cache.deleteAsync("k"), true);
    assert.equal(upper.records.has("k") || lower.records.has("k"), false);
    cache.clear();
    assert.equal(await cache.getAsync("k"), undefined);
    assert.equal(await cache.deleteAsync("k"), false);
    cache.free();
  });

  test("a value is never served past its TTL from any layer, and expired records are removed", async () => {
    const { cache, upper, lower } = twoLayers();
    await cache.setAsync("k", "brief", { ttl: 40 });
    cache.clear();
    assert.equal(await cache.getAsync("k"), "brief", "live: served from the layer");
    await sleep(60);
    cache.clear();
    assert.equal(await cache.getAsync("k"), undefined);
    await cache.settled();
    assert.equal(upper.records.has("k"), false, "removed from the upper layer");
    assert.equal(lower.records.has("k"), false, "removed from the lower layer");
    // A promotion carries what remains, not a fresh TTL.
    await cache.setAsync("p", "x", { ttl: 200 });
    cache.clear();
    upper.records.delete("p");
    await sleep(120);
    assert.equal(await cache.getAsync("p"), "x");
    await cache.settled();
    assert.ok(upper.records.get("p").exp === lower.records.get("p").exp);
    await sleep(100);
    assert.equal(cache.get("p"), undefined, "the promoted copy in memory expired at the original time");
    cache.free();
  });

  test("a corrupt record reads as a miss, is removed and is counted", async () => {
    const { cache, upper, lower } = twoLayers();
    upper.records.set("k", "not an envelope");
    lower.records.set("k", { v: "good", exp: 0 });
    assert.equal(await cache.getAsync("k"), "good");
    await cache.settled();
    assert.deepEqual(upper.records.get("k"), { v: "good", exp: 0 }, "replaced by the promotion");
    upper.records.set("j", { v: 1, exp: "later" });
    assert.equal(await cache.getAsync("j"), undefined);
    await cache.settled();
    assert.equal(upper.records.has("j"), false);
    const { layers } = cache.getStats();
    assert.equal(layers.upper.errors.by_type.layer, 2);
    cache.free();
  });
});

describe("records", () => {
  test("only { v, exp } with a value and a finite exp of 0 or more is an envelope; reading never throws", async () => {
    const throwing = (name) =>
      Object.defineProperty({ v: 1, exp: 0 }, name, {
        get() {
          throw new Error("unreadable");
        },
      });
    const shapes = {
      "v undefined": { v: undefined, exp: 0 },
      "no v": { exp: 0 },
      "exp string": { v: 1, exp: "x" },
      "exp NaN": { v: 1, exp: NaN },
      "exp Infinity": { v: 1, exp: Infinity },
      "exp negative": { v: 1, exp: -1 },
      array: Object.assign([1], { v: 1, exp: 0 }),
      string: "str",
      false: false,
      "v getter throws": throwing("v"),
      "exp getter throws": throwing("exp"),
    };
    for (const [name, record] of Object.entries(shapes)) {
      const store = new MapStore();
      store.get = async () => record;
      let removed = false;
      store.delete = async () => (removed = true);
      const cache = new CacheManager({ layers: [{ name: "l", store }] });
      assert.equal(await cache.getAsync("k"), undefined, name);
      assert.equal(await cache.fetch("j", async () => "loaded"), "loaded", name);
      await cache.settled();
      assert.ok(removed, `${name}: removed`);
      const { layers } = cache.getStats();
      assert.equal(layers.l.hits, 0, name);
      assert.equal(layers.l.errors.by_type.layer, 2, `${name}: counted`);
      cache.free();
    }
    // A stored null is a value; so is a record without a prototype.
    for (const record of [{ v: null, exp: 0 }, Object.assign(Object.create(null), { v: null, exp: 0 })]) {
      const store = new MapStore();
      store.get = async () => record;
      const cache = new CacheManager({ layers: [{ name: "l", store }] });
      assert.equal(await cache.getAsync("k"), null);
      assert.equal(cache.getStats().layers.l.hits, 1);
      cache.free();
    }
  });
});

describe("faults", () => {
  test("a layer that rejects or throws on get is counted and skipped", async () => {
    const broken = { get: () => Promise.reject(new Error("down")), set: async () => {}, delete: async () => {} };
    const throwing = {
      get() {
        throw new Error("sync throw");
      },
      set: async () => {},
      delete: async () => {},
    };
    const lower = new MapStore();
    lower.records.set("k", { v: "below", exp: 0 });
    const cache = new CacheManager({
      layers: [
        { name: "broken", store: broken },
        { name: "throwing", store: throwing },
        { name: "lower", store: lower },
      ],
    });
    assert.equal(await cache.getAsync("k"), "below");
    const { layers } = cache.getStats();
    assert.equal(layers.broken.errors.total, 1);
    assert.equal(layers.throwing.errors.total, 1);
    assert.equal(layers.broken.misses, 1);
    cache.free();
  });

  test("a write a layer refuses rejects naming it; the layers that took it agree", async () => {
    const { LayerError } = mod;
    const upper = new MapStore();
    const lower = new MapStore();
    const quota = Object.assign(new Error("quota"), { name: "QuotaExceededError" });
    const full = { get: async () => undefined, set: () => Promise.reject(quota), delete: async () => true };
    const cache = new CacheManager({
      layers: [
        { name: "upper", store: upper },
        { name: "full", store: full },
        { name: "lower", store: lower },
      ],
    });
    const err = await cache.setAsync("k", "v", { ttl: 10_000 }).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof LayerError, String(err));
    assert.equal(err.layer, "full");
    assert.deepEqual(err.layers, ["full"]);
    assert.equal(err.cause, quota);
    assert.match(err.message, /"full"/);
    assert.deepEqual(upper.records.get("k"), lower.records.get("k"));
    assert.equal(cache.get("k"), "v");
    assert.equal(cache.getStats().layers.full.errors.by_type.layer, 1);
    cache.free();
  });

  test("a write refused with a value String() cannot convert still rejects with a LayerError", async () => {
    const { LayerError } = mod;
    const odd = [
      Object.create(null),
      {
        toString() {
          throw new Error("toString threw");
        },
      },
      Object.defineProperty(new Error("x"), "message", {
        get() {
          throw new Error("message threw");
        },
      }),
      (() => {
        const p = Proxy.revocable({}, {});
        p.revoke();
        return p.proxy;
      })(),
    ];
    for (const reason of odd) {
      const store = new MapStore();
      store.set = () => {
        throw reason;
      };
      const cache = new CacheManager({ layers: [{ name: "odd", store }] });
      const err = await cache.setAsync("k", 1).catch((e) => e);
      assert.ok(err instanceof LayerError, String(err));
      assert.equal(err.layer, "odd");
      assert.equal(err.cause, reason);
      assert.match(err.message, /refused by layer "odd"/);
      cache.free();
    }
  });

  test("a layer that does not answer times out after its timeoutMs and is skipped", async () => {
    const { LayerError, LayerTimeoutError } = mod;
    const hung = { get: () => new Promise(() => {}), set: () => new Promise(() => {}), delete: () => new Promise(() => {}) };
    const lower = new MapStore();
    lower.records.set("k", { v: "below", exp: 0 });
    const cache = new CacheManager({
      layers: [
        { name: "hung", store: hung, timeoutMs: 30 },
        { name: "lower", store: lower },
      ],
    });
    assert.equal(await cache.getAsync("k"), "below");
    const err = await cache.setAsync("j", 1).catch((e) => e);
    assert.ok(err instanceof LayerError);
    assert.ok(err.cause instanceof LayerTimeoutError);
    assert.equal(err.layer, "hung");
    const { layers } = cache.getStats();
    assert.ok(layers.hung.errors.total >= 2);
    cache.free();
  });

  test("writes and deletes that time out while queued are still sent, in order", async () => {
    const { LayerError } = mod;
    // Every call takes 60 ms; callers give up after 30 ms.
    class Slow extends MapStore {
      log = [];
      async get(k) {
        await sleep(60);
        this.log.push("get");
        return super.get(k);
      }
      async set(k, v) {
        await sleep(60);
        this.log.push(`set ${v.v}`);
        return super.set(k, v);
      }
      async delete(k) {
        await sleep(60);
        this.log.push("delete");
        return super.delete(k);
      }
    }
    const mk = (store) => new CacheManager({ layers: [{ name: "slow", store, timeoutMs: 30 }] });

    // A write queued behind a slow read: the layer must not keep the old value.
    const store = new Slow();
    store.records.set("k", { v: "old", exp: 0 });
    const cache = mk(store);
    const reading = cache.getAsync("k");
    const writing = cache.setAsync("k", "new").catch((e) => e);
    assert.equal(await reading, undefined);
    assert.ok((await writing) instanceof LayerError);
    await cache.settled();
    assert.deepEqual(store.log, ["get", "set new", "delete"], "the set and its undo reached the store");
    assert.equal(store.records.has("k"), false, "the old value is gone");
    cache.free();

    // Two writes that both time out: the older one never wins.
    const twice = new Slow();
    const cache2 = mk(twice);
    await Promise.allSettled([cache2.setAsync("k", "A"), cache2.setAsync("k", "B")]);
    await cache2.settled();
    assert.deepEqual(twice.log.slice(0, 2), ["set A", "set B"]);
    assert.notEqual(twice.records.get("k")?.v, "A");
    cache2.delete("k");
    assert.notEqual(await cache2.getAsync("k"), "A");
    cache2.free();

    // A delete queued behind a slow read: the key does not come back.
    const gone = new Slow();
    gone.records.set("k", { v: "v", exp: 0 });
    const cache3 = mk(gone);
    const read3 = cache3.getAsync("k");
    const deleting = cache3.deleteAsync("k").catch((e) => e);
    await read3;
    assert.ok((await deleting) instanceof LayerError);
    await cache3.settled();
    assert.equal(gone.records.has("k"), false);
    assert.equal(await cache3.getAsync("k"), undefined, "the deleted key does not come back");
    cache3.free();
  });

  test("the undo of a refused write never removes a newer write that succeeded", async () => {
    const upper = new MapStore();
    const lower = new MapStore();
    let refusals = 1;
    const flaky = {
      get: (k) => lower.get(k),
      set: async (k, v) => {
        if (refusals-- > 0) throw new Error("refused once");
        return lower.set(k, v);
      },
      delete: (k) => lower.delete(k),
    };
    const cache = new CacheManager({
      layers: [
        { name: "upper", store: upper },
        { name: "flaky", store: flaky },
      ],
    });
    const a = cache.setAsync("k", "A").then(
      () => "ok",
      (e) => e.layer,
    );
    const b = cache.setAsync("k", "B").then(
      () => "ok",
      (e) => e.layer,
    );
    assert.equal(await a, "flaky");
    assert.equal(await b, "ok");
    await cache.settled();
    assert.equal(upper.records.get("k")?.v, "B");
    assert.equal(lower.records.get("k")?.v, "B", "the layer that took B still holds it");
    cache.free();
  });

  test("layer options are checked and named", () => {
    const store = new MapStore();
    assert.throws(() => new CacheManager({ layers: [{ name: "a", store, timeoutMs: 0 }] }), /layers\[0\].*timeoutMs/);
    assert.throws(() => new CacheManager({ layers: [{ name: "a", store, timeout: 5 }] }), /layers\[0\].*timeout/);
    assert.throws(() => new CacheManager({ layers: [{ name: "a", store: { get() {} } }] }), /layers\[0\].*set\(\)/);
    assert.throws(() => new CacheManager({ layers: [{ name: "memory", store }] }), /reserved/);
  });
});

test("kvLayer treats null options as none and names bad options", async () => {
  const { kvLayer } = mod;
  const records = new Map();
  const namespace = {
    get: async (k) => records.get(k) ?? null,
    put: async (k, v) => void records.set(k, v),
    delete: async (k) => void records.delete(k),
  };
  const plain = kvLayer(namespace, null);
  await plain.set("k", { v: 1, exp: 0 });
  assert.deepEqual([...records.keys()], ["k"]);
  assert.deepEqual(await plain.get("k"), { v: 1, exp: 0 });
  await kvLayer(namespace, { prefix: "p:" }).set("k", { v: 2, exp: 0 });
  assert.ok(records.has("p:k"));
  for (const bad of ["p:", 7, true, [], () => {}]) {
    assert.throws(() => kvLayer(namespace, bad), (e) => e instanceof TypeError && /kvLayer options must be an object/.test(e.message));
  }
  assert.throws(() => kvLayer(namespace, { prefix: 7 }), (e) => e instanceof TypeError && /kvLayer prefix must be a string/.test(e.message));
});

test("indexedDbLayer treats null options as none and names bad options", async () => {
  const { indexedDbLayer } = mod;
  // Node has no IndexedDB: a layer with the defaults is made, and its calls reject saying so.
  for (const options of [undefined, null, {}]) {
    await assert.rejects(indexedDbLayer(options).get("k"), /IndexedDB is not available/);
  }
  assert.throws(() => indexedDbLayer("db"), { name: "TypeError", message: /indexedDbLayer options must be an object .* got string/ });
  assert.throws(() => indexedDbLayer([]), { name: "TypeError", message: /indexedDbLayer options .* got an array/ });
  assert.throws(() => indexedDbLayer({ database: 5 }), { name: "TypeError", message: /indexedDbLayer database must be a string, got number/ });
  assert.throws(() => indexedDbLayer({ objectStore: {} }), { name: "TypeError", message: /indexedDbLayer objectStore must be a string, got object/ });
});

test("layer operations in flight are bounded by the length of their keys, and reject past the bound", async () => {
  const waiting = [];
  let stall = true;
  const store = {
    get: () => (stall ? new Promise((resolve) => waiting.push(resolve)) : undefined),
    set: async () => true,
    delete: async () => true,
  };
  const cache = new CacheManager({ layers: [{ name: "slow", store, timeoutMs: 600_000 }] });
  // 8,192 keys of 8,192 characters fill the bound of 2^26 characters. (V8 hashes a string
  // over 16,383 characters by its length alone, so many longer keys would slow every Map.)
  const key = (i) => String(i).padStart(8192, "k");
  const reads = Array.from({ length: 8192 }, (_, i) => cache.getAsync(key(i)));
  const inFlight = (e) => e instanceof RangeError && /in flight/.test(e.message);
  await assert.rejects(cache.getAsync(key(8192)), inFlight);
  await assert.rejects(cache.setAsync(key(8193), 1), inFlight);
  await assert.rejects(cache.fetch(key(8194), async () => 1), inFlight);
  assert.equal(cache.size, 0, "nothing was stored");
  while (waiting.length < 8192) await sleep(1);
  for (const resolve of waiting) resolve(undefined);
  assert.deepEqual(await Promise.all(reads), new Array(8192).fill(undefined));
  // Settled operations give their share back.
  stall = false;
  assert.equal(await cache.getAsync(key(8192)), undefined);
  await cache.setAsync(key(8193), 1);
  assert.equal(cache.get(key(8193)), 1);
  assert.equal(await cache.fetch(key(8194), async () => 2), 2);
  cache.free();
});

describe("fetch", () => {
  test("concurrent misses share one loader call and the value is written through", async () => {
    const { cache, upper } = twoLayers();
    let calls = 0;
    const loader = async (key) => {
      calls++;
      await sleep(20);
      return `loaded ${key}`;
    };
    const all = await Promise.all(Array.from({ length: 10 }, () => cache.fetch("k", loader, { ttl: 10_000 })));
    assert.equal(calls, 1);
    assert.deepEqual(new Set(all), new Set(["loaded k"]));
    assert.equal(upper.records.get("k").v, "loaded k");
    assert.equal(await cache.fetch("k", loader), "loaded k");
    assert.equal(calls, 1, "a hit does not load");
    cache.free();
  });

  test("keys that differ only in lone surrogates are loaded and stored apart", async () => {
    const cache = new CacheManager();
    const loads = [];
    const loader = async (key) => {
      loads.push(key);
      await sleep(10);
      return `loaded ${[...key].map((c) => c.codePointAt(0).toString(16)).join(" ")}`;
    };
    // U+FFFD is what a lone surrogate becomes in UTF-8; U+FFFF starts an escaped form.
    const keys = ["\ud800", "\ud801", "\udc00", "\ufffd", "\uffff\ud800", "\uffffd800", "a\ud83d\ude00", "\ud83d\ude00"];
    const doubled = [...keys, ...keys];
    const values = await Promise.all(doubled.map((k) => cache.fetch(k, loader)));
    assert.deepEqual(new Set(loads), new Set(keys), "one load for each key");
    assert.equal(loads.length, keys.length);
    for (let i = 0; i < doubled.length; i++) assert.equal(cache.peek(doubled[i]), values[i], `key ${i % keys.length}`);
    assert.equal(cache.size, keys.length);
    // A write of one such key while another loads does not stop the load from being stored.
    const pending = cache.fetch("\udc01", loader);
    cache.set("\udc02", "direct");
    assert.equal(await pending, "loaded dc01");
    assert.equal(cache.peek("\udc01"), "loaded dc01");
    assert.equal(cache.peek("\udc02"), "direct");
    cache.free();
  });

  test("a load in flight when clear() runs is returned but not stored, and a later fetch loads again", async () => {
    for (const layered of [false, true]) {
      const { cache, upper } = layered ? twoLayers() : { cache: new CacheManager(), upper: null };
      let calls = 0;
      const loader = async (key) => {
        const n = ++calls;
        await sleep(20);
        return `loaded ${key} #${n}`;
      };
      const before = cache.fetch("k", loader);
      await sleep(5);
      cache.clear();
      const after = cache.fetch("k", loader);
      assert.equal(await before, "loaded k #1");
      assert.equal(await after, "loaded k #2", "a fetch after the clear does not wait for the old load");
      assert.equal(cache.get("k"), "loaded k #2");
      if (upper) assert.equal(upper.records.get("k").v, "loaded k #2");
      // Alone, the old load stores nothing.
      const lone = cache.fetch("j", loader);
      await sleep(5);
      cache.clear();
      assert.equal(await lone, "loaded j #3");
      assert.equal(cache.peek("j"), undefined);
      if (upper) assert.equal(upper.records.has("j"), false);
      cache.free();
    }
  });

  test("a value found in a layer is not loaded", async () => {
    const { cache, lower } = twoLayers();
    lower.records.set("k", { v: "stored", exp: 0 });
    assert.equal(
      await cache.fetch("k", () => {
        throw new Error("must not load");
      }),
      "stored",
    );
    cache.free();
  });

  test("a loader error reaches every waiter, is not cached, and is counted", async () => {
    const { cache, upper } = twoLayers();
    let calls = 0;
    const boom = new Error("backend down");
    const failing = async () => {
      calls++;
      await sleep(10);
      throw boom;
    };
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => cache.fetch("k", failing)));
    assert.equal(calls, 1);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.equal(r.reason, boom);
    }
    assert.equal(cache.has("k"), false);
    assert.equal(upper.records.has("k"), false);
    assert.equal(cache.getStats().errors.by_type.loader, 1);
    assert.equal(await cache.fetch("k", async () => "second try"), "second try");
    assert.equal(calls, 1);
    cache.free();
  });

  test("bad options reject before the loader is called, as setAsync's do", async () => {
    const { cache, upper } = twoLayers({ maxBytes: 1000 });
    let calls = 0;
    const loader = async () => {
      calls++;
      return "loaded";
    };
    const bad = [
      [{ size: -1 }, RangeError, /fetch size/],
      [{ size: 1.5 }, RangeError, /fetch size/],
      [{ size: "big" }, TypeError, /fetch size/],
      [{ size: 1001 }, RangeError, /fetch size 1001 bytes exceeds maxBytes 1000/],
      [{ ttl: -1 }, RangeError, /fetch ttl/],
      ["fast", TypeError, /fetch options/],
    ];
    for (const [options, type, message] of bad) {
      await assert.rejects(cache.fetch("k", loader, options), (err) => err instanceof type && message.test(err.message));
      const setMessage = new RegExp(message.source.replace("fetch", "setAsync"));
      await assert.rejects(cache.setAsync("k", "v", options), (err) => err instanceof type && setMessage.test(err.message));
    }
    assert.equal(calls, 0, "the loader never ran");
    assert.equal(cache.has("k"), false);
    assert.equal(upper.records.has("k"), false);
    assert.equal(cache.getStats().errors.by_type.bad_input, 2 * bad.length);
    assert.equal(await cache.fetch("k", loader, { size: 500 }), "loaded");
    assert.equal(cache.bytes, 500, "a valid size is the accounted size");
    assert.equal(upper.records.get("k").v, "loaded");
    cache.free();
  });

  test("a setAsync with bad input during a load rejects and leaves the load to be stored", async () => {
    const bad = [
      [undefined, undefined, TypeError, /value is undefined/],
      ["x".repeat(600), undefined, RangeError, /size 1200 bytes exceeds maxBytes 1000/],
      ["v", { ttl: -1 }, RangeError, /setAsync ttl/],
    ];
    for (const [value, options, type, message] of bad) {
      const { cache, upper } = twoLayers({ maxBytes: 1000 });
      let loads = 0;
      const pending = cache.fetch("k", async () => {
        loads++;
        await sleep(20);
        return "loaded";
      });
      await sleep(5);
      await assert.rejects(cache.setAsync("k", value, options), (err) => err instanceof type && message.test(err.message));
      assert.equal(await pending, "loaded");
      assert.equal(cache.peek("k"), "loaded", `${message}: the load was stored`);
      assert.equal(upper.records.get("k")?.v, "loaded");
      assert.equal(await cache.fetch("k", async () => `again ${++loads}`), "loaded");
      assert.equal(loads, 1);
      cache.free();
    }
  });

  test("a write during a load wins over the loaded value", async () => {
    const { cache, upper } = twoLayers();
    let release;
    const gate = new Promise((r) => (release = r));
    const pending = cache.fetch("k", async () => {
      await gate;
      return "stale";
    });
    await sleep(5);
    await cache.setAsync("k", "fresh");
    release();
    assert.equal(await pending, "stale", "the waiter gets what it loaded");
    assert.equal(cache.get("k"), "fresh");
    assert.equal(upper.records.get("k").v, "fresh");
    cache.free();
  });
});

test("work in progress when the cache is freed rejects with the clear error", async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  const store = new MapStore();
  store.records.set("below", { v: "stored", exp: 0 });
  // Only the read of "below" waits, so the fetch of "missing" reaches its loader.
  const slow = {
    get: async (key) => {
      if (key === "below") await gate;
      return store.get(key);
    },
    set: (key, value) => store.set(key, value),
    delete: (key) => store.delete(key),
  };
  const cache = new CacheManager({ layers: [{ name: "slow", store: slow }] });
  const reading = cache.getAsync("below");
  let loaderRunning = false;
  const loading = cache.fetch("missing", async () => {
    loaderRunning = true;
    await gate;
    return "loaded";
  });
  await sleep(5);
  assert.ok(loaderRunning, "the load is under way when the cache is freed");
  cache.free();
  release();
  const freed = { name: "Error", message: "cache-wasm: this cache was freed; create a new CacheManager" };
  await assert.rejects(reading, freed);
  await assert.rejects(loading, freed);
});

test("a read that raced a write does not promote the older value", async () => {
  const upper = new MapStore();
  const lower = new MapStore();
  let release;
  const gate = new Promise((r) => (release = r));
  const slow = {
    get: async (key) => {
      await gate;
      return lower.get(key);
    },
    set: (k, v) => lower.set(k, v),
    delete: (k) => lower.delete(k),
  };
  const cache = new CacheManager({
    layers: [
      { name: "upper", store: upper },
      { name: "slow", store: slow },
    ],
  });
  lower.records.set("k", { v: "old", exp: 0 });
  const reading = cache.getAsync("k");
  await sleep(5);
  // The set queues behind the slow get in the slow layer; release the get once it is queued.
  const writing = cache.setAsync("k", "new");
  release();
  assert.equal(await reading, "old");
  await writing;
  assert.equal(cache.get("k"), "new");
  assert.equal(upper.records.get("k").v, "new");
  assert.equal(lower.records.get("k").v, "new");
  cache.free();
});
