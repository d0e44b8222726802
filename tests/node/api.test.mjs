// Behaviour of CacheManager from the packed package, loaded through ESM import and CJS require.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { loadPackage } from "../support/consumer.mjs";

for (const kind of ["esm", "cjs"]) {
  describe(`CacheManager (${kind})`, () => {
    let init, CacheManager, CacheConfig, wasmMemoryBytes;

    before(async () => {
      let module;
      ({ init, CacheManager, CacheConfig, module } = await loadPackage(kind));
      ({ wasmMemoryBytes } = module);
      assert.equal(typeof init, "function", "the default export is init");
      await init();
      await init(); // Idempotent.
    });

    test("exports the documented names", () => {
      assert.equal(typeof CacheManager, "function");
      assert.equal(typeof CacheConfig, "function");
    });

    test("set, get, peek, has, delete, size and bytes", () => {
      const cache = new CacheManager();
      assert.equal(cache.size, 0);
      assert.equal(cache.bytes, 0);
      assert.equal(cache.set("a", 1), cache, "set returns the cache");
      cache.set("b", "two").set("c", { three: 3 });
      assert.equal(cache.size, 3);
      assert.equal(cache.get("a"), 1);
      assert.equal(cache.get("b"), "two");
      assert.deepEqual(cache.get("c"), { three: 3 });
      assert.equal(cache.peek("b"), "two");
      assert.equal(cache.get("missing"), undefined);
      assert.equal(cache.peek("missing"), undefined);
      assert.equal(cache.has("a"), true);
      assert.equal(cache.has("missing"), false);
      assert.equal(cache.delete("a"), true);
      assert.equal(cache.delete("a"), false);
      assert.equal(cache.has("a"), false);
      assert.equal(cache.get("a"), undefined);
      assert.equal(cache.size, 2);
    });

    test("values keep their identity and null is a value, not a miss", () => {
      const cache = new CacheManager();
      const obj = { nested: [1, 2, 3] };
      const fn = () => 42;
      cache.set("obj", obj).set("fn", fn).set("null", null).set("zero", 0).set("empty", "");
      assert.equal(cache.get("obj"), obj);
      assert.equal(cache.get("fn"), fn);
      assert.equal(cache.get("null"), null);
      assert.equal(cache.has("null"), true);
      assert.equal(cache.get("zero"), 0);
      assert.equal(cache.get("empty"), "");
    });

    test("set replaces the value of an existing key", () => {
      const cache = new CacheManager();
      cache.set("k", "old").set("k", "new");
      assert.equal(cache.size, 1);
      assert.equal(cache.get("k"), "new");
      assert.deepEqual(cache.keys(), ["k"]);
    });

    test("a set over a stored key counts a set and a replacement, moves the key to the front and sizes the new value", () => {
      for (const prefix of ["k", "a key longer than thirty-two characters: "]) {
        const cache = new CacheManager({ maxEntries: 3 });
        cache.set(`${prefix}a`, "a").set(`${prefix}b`, "b").set(`${prefix}c`, "c");
        assert.equal(cache.bytes, 6, prefix);
        // More writes than the engine takes in one batch, with hits between them.
        for (let i = 0; i < 1000; i++) {
          cache.set(`${prefix}b`, "b".repeat(i % 7));
          if (i % 3 === 0) assert.equal(cache.get(`${prefix}c`), "c");
          cache.set(`${prefix}a`, `a${i}`);
        }
        // The last round wrote b, read c and wrote a.
        assert.deepEqual(cache.keys(), [`${prefix}a`, `${prefix}c`, `${prefix}b`], prefix);
        assert.equal(cache.get(`${prefix}a`), "a999");
        assert.equal(cache.get(`${prefix}b`), "b".repeat(999 % 7));
        assert.equal(cache.bytes, 2 * ("a999".length + (999 % 7) + 1), prefix);
        const s = cache.getStats();
        assert.equal(s.sets, 3 + 2000, prefix);
        assert.equal(s.removals.by_cause.replaced, 2000, prefix);
        assert.equal(s.evictions.total, 0, `${prefix}: an overwrite is not an eviction`);
        assert.equal(s.hits, 334 + 2, prefix);
        // The least recent entry is the one to go.
        cache.set(`${prefix}d`, "d");
        assert.equal(cache.has(`${prefix}c`), false, prefix);
        assert.deepEqual(cache.keys(), [`${prefix}d`, `${prefix}b`, `${prefix}a`], prefix);
        cache.free();
      }
    });

    test("keys are most recently used first; get refreshes recency, has/peek/keys do not", () => {
      const cache = new CacheManager();
      cache.set("a", 1).set("b", 2).set("c", 3);
      assert.deepEqual(cache.keys(), ["c", "b", "a"]);
      cache.get("a");
      assert.deepEqual(cache.keys(), ["a", "c", "b"]);
      cache.has("b");
      cache.peek("b");
      cache.keys();
      assert.deepEqual(cache.keys(), ["a", "c", "b"]);
      cache.set("b", 22);
      assert.deepEqual(cache.keys(), ["b", "a", "c"]);
      assert.ok(Array.isArray(cache.keys()));
    });

    test("keys(limit) gives the limit most recent keys; a bad limit throws and changes nothing", () => {
      for (const evictionPolicy of ["lru", "tinylfu"]) {
        const cache = new CacheManager({ evictionPolicy, maxEntries: 100 });
        for (let i = 0; i < 50; i++) cache.set(`k${i}`, i);
        for (let i = 0; i < 50; i += 7) cache.get(`k${i}`);
        cache.set(7, "seven").set("x".repeat(40), "long");
        const all = cache.keys();
        assert.equal(all.length, 52, evictionPolicy);
        for (const limit of [0, 1, 5, 26, 52, 60, Infinity, 2 ** 40]) {
          assert.deepEqual(cache.keys(limit), all.slice(0, limit), `${evictionPolicy} keys(${limit})`);
        }
        assert.deepEqual(cache.keys(undefined), all, evictionPolicy);
        const errors = cache.getStats().errors.by_type.bad_input;
        for (const [bad, kind] of [["3", TypeError], [null, TypeError], [-1, RangeError], [1.5, RangeError], [NaN, RangeError], [-Infinity, RangeError]]) {
          assert.throws(() => cache.keys(bad), (err) => err instanceof kind && /keys limit/.test(err.message), `${evictionPolicy} keys(${String(bad)})`);
        }
        assert.equal(cache.getStats().errors.by_type.bad_input, errors + 6, "each bad limit is counted as bad input");
        assert.deepEqual(cache.keys(), all, `${evictionPolicy}: a bad limit leaves the order as it was`);
      }
    });

    test("clear empties the cache and it stays usable", () => {
      const cache = new CacheManager();
      cache.set("a", "x", { size: 10 }).set("b", "y", { size: 5 });
      assert.equal(cache.bytes, 15);
      cache.clear();
      assert.equal(cache.size, 0);
      assert.equal(cache.bytes, 0);
      assert.deepEqual(cache.keys(), []);
      assert.equal(cache.get("a"), undefined);
      cache.set("c", 3);
      assert.deepEqual(cache.keys(), ["c"]);
    });

    test("maxEntries evicts the least recently used entry", () => {
      const cache = new CacheManager({ maxEntries: 3 });
      cache.set("a", 1).set("b", 2).set("c", 3);
      cache.get("a"); // b is now the least recently used.
      cache.set("d", 4);
      assert.equal(cache.size, 3);
      assert.equal(cache.has("b"), false);
      assert.deepEqual(cache.keys(), ["d", "a", "c"]);
      cache.peek("c"); // peek does not protect c.
      cache.set("e", 5);
      assert.deepEqual(cache.keys(), ["e", "d", "a"]);
    });

    test("a CacheConfig instance is accepted like a plain object", () => {
      const cache = new CacheManager(new CacheConfig({ maxEntries: 2 }));
      cache.set("a", 1).set("b", 2).set("c", 3);
      assert.deepEqual(cache.keys(), ["c", "b"]);
    });

    test("ttlClock is \"exact\" (read the clock on every TTL check) unless given", () => {
      assert.equal(new CacheConfig().ttlClock, "exact");
      assert.equal(new CacheConfig({ ttl_clock: "task" }).ttlClock, "task");
      assert.equal(new CacheConfig(new CacheConfig({ ttlClock: "task" })).ttlClock, "task");
    });

    test("the default maxEntries is 10000", () => {
      const cache = new CacheManager();
      for (let i = 0; i <= 10000; i++) cache.set(`k${i}`, i);
      assert.equal(cache.size, 10000);
      assert.equal(cache.has("k0"), false);
      assert.equal(cache.get("k10000"), 10000);
    });

    test("maxBytes with explicit sizes evicts least recently used entries until it fits", () => {
      const cache = new CacheManager({ maxBytes: 100 });
      cache.set("a", "A", { size: 40 }).set("b", "B", { size: 40 });
      assert.equal(cache.bytes, 80);
      cache.get("a");
      cache.set("c", "C", { size: 30 }); // 110 > 100: b goes.
      assert.deepEqual(cache.keys(), ["c", "a"]);
      assert.equal(cache.bytes, 70);
      cache.set("d", "D", { size: 100 }); // Only d fits.
      assert.deepEqual(cache.keys(), ["d"]);
      assert.equal(cache.bytes, 100);
      cache.set("d", "D2", { size: 10 });
      assert.equal(cache.bytes, 10);
      assert.equal(cache.delete("d"), true);
      assert.equal(cache.bytes, 0);
    });

    test("sizes are estimated when not given", () => {
      const cache = new CacheManager();
      cache.set("s", "hello");
      assert.equal(cache.bytes, 10, "string length x 2");
      cache.clear();
      cache.set("u8", new Uint8Array(24));
      assert.equal(cache.bytes, 24, "typed array byteLength");
      cache.clear();
      cache.set("ab", new ArrayBuffer(16));
      assert.equal(cache.bytes, 16, "ArrayBuffer byteLength");
      cache.clear();
      cache.set("f64", new Float64Array(4));
      assert.equal(cache.bytes, 32, "typed array byteLength");
      cache.clear();
      cache.set("obj", { a: "some text", b: [1, 2, 3] });
      assert.ok(cache.bytes > 0, "a structural estimate is positive");
    });

    test("a value that cannot be inspected counts 64 bytes and the other sizes stay exact", () => {
      const throwing = () => ({
        get boom() {
          throw new Error("getter failure");
        },
      });
      const proxy = new Proxy(
        {},
        {
          ownKeys() {
            throw new Error("trap failure");
          },
        },
      );
      // Without maxBytes sizes are estimated when bytes are read.
      const lazy = new CacheManager();
      lazy.set("a", "x".repeat(50)).set("bad", throwing()).set("proxy", proxy).set("d", "z".repeat(50));
      assert.equal(lazy.bytes, 100 + 64 + 64 + 100);
      assert.equal(lazy.getStats().size.bytes, 328);
      lazy.delete("bad");
      lazy.delete("proxy");
      assert.equal(lazy.bytes, 200);
      lazy.set("e", "e".repeat(10));
      assert.equal(lazy.bytes, 220, "sizes due later are still estimated");
      // With maxBytes they are estimated on set.
      const bounded = new CacheManager({ maxBytes: 1000 });
      bounded.set("bad", throwing()).set("proxy", proxy).set("s", "abc");
      assert.deepEqual(bounded.keys(), ["s", "proxy", "bad"]);
      assert.equal(bounded.bytes, 64 + 64 + 6);
      assert.equal(bounded.getStats().errors.total, 0);
    });

    test("a getter that changes the cache while sizes are estimated leaves the bytes exact", () => {
      const cache = new CacheManager();
      let reads = 0;
      const value = {
        get field() {
          if (++reads === 1) {
            cache.delete("a");
            for (let i = 0; i < 4; i++) cache.set(`late${i}`, "abc");
          }
          return "q";
        },
      };
      cache.set("a", "x".repeat(50)).set("r", value);
      // r: 16 + "field" (10 + 8) + "q" (2) = 36; each late entry 6. The read that runs the
      // getter settles r and the entries stored while it runs.
      assert.equal(cache.bytes, 36 + 4 * 6);
      assert.equal(cache.bytes, 36 + 4 * 6);
      cache.delete("late0");
      cache.delete("r");
      assert.equal(cache.bytes, 3 * 6);
      cache.set("b", "bb");
      assert.equal(cache.bytes, 3 * 6 + 4);
    });

    test("a getter that reuses the slots of due entries leaves the sizes it gave", () => {
      const cache = new CacheManager({ maxEntries: 2 });
      const value = {
        get x() {
          // Evicts g and a, and gives their slots to entries of a given size.
          cache.set("n1", "zz", { size: 100 }).set("n2", "zz", { size: 100 });
          return 1;
        },
      };
      cache.set("g", value).set("a", "aaa");
      assert.equal(cache.bytes, 200);
      assert.deepEqual(cache.keys(), ["n2", "n1"]);
      assert.equal(cache.getStats().size.bytes, 200);
      cache.delete("n1");
      assert.equal(cache.bytes, 100);
      assert.equal(cache.size, 1);
    });

    test("a getter that reads bytes while sizes are estimated gets the bytes settled so far", () => {
      const cache = new CacheManager();
      const inner = [];
      const value = {
        get x() {
          inner.push(cache.bytes);
          return "abc";
        },
      };
      cache.set("a", "aa").set("v", value);
      // v: 16 + "x" (2 + 8) + "abc" (6) = 32; a: 4, settled before v's getter ran or not.
      assert.equal(cache.bytes, 36);
      assert.equal(inner.length, 1, "the estimate is not started again from inside it");
      assert.ok(inner[0] <= 4, `inside the getter: ${inner[0]}`);
      assert.equal(cache.getStats().size.bytes, 36);
    });

    test("a getter that stores new values every time it runs cannot stall a read of bytes", () => {
      const cache = new CacheManager({ maxEntries: 100 });
      let n = 0;
      const value = {
        get x() {
          n++;
          cache.set(`r${n}`, value);
          return 1;
        },
      };
      cache.set("g", value);
      const bytes = cache.bytes;
      assert.ok(n >= 1 && n <= 8, `the getter ran ${n} times`);
      assert.ok(bytes > 0);
      assert.equal(cache.size, n + 1);
    });

    test("ttl expires an entry; a long ttl keeps it", async () => {
      const cache = new CacheManager();
      cache.set("short", 1, { ttl: 30 });
      cache.set("long", 2, { ttl: 600_000 });
      cache.set("forever", 3);
      assert.equal(cache.get("long"), 2);
      await sleep(120);
      assert.equal(cache.get("short"), undefined);
      assert.equal(cache.peek("short"), undefined);
      assert.equal(cache.has("short"), false);
      assert.equal(cache.size, 2, "size counts live entries only");
      assert.deepEqual(cache.keys().sort(), ["forever", "long"]);
      assert.equal(cache.get("long"), 2);
      assert.equal(cache.get("forever"), 3);
      // An expired key can be set again.
      cache.set("short", 4);
      assert.equal(cache.get("short"), 4);
    });

    test("defaultTtl applies when set has no ttl, and an explicit ttl wins", async () => {
      const cache = new CacheManager({ defaultTtl: 30 });
      cache.set("default", 1);
      cache.set("explicit", 2, { ttl: 600_000 });
      await sleep(120);
      assert.equal(cache.get("default"), undefined);
      assert.equal(cache.get("explicit"), 2);
      assert.equal(cache.size, 1);
    });

    test("number keys are stored as decimal strings", () => {
      const cache = new CacheManager();
      cache.set(42, "answer").set(1.5, "one and a half").set(-7, "minus seven");
      assert.deepEqual(cache.keys(), ["-7", "1.5", "42"]);
      assert.equal(cache.get("42"), "answer");
      assert.equal(cache.get(42), "answer");
      assert.equal(cache.get("1.5"), "one and a half");
      assert.equal(cache.has("-7"), true);
      assert.deepEqual(cache.keys(), ["1.5", "42", "-7"]);
      cache.set("42", "replaced");
      assert.equal(cache.get(42), "replaced");
      assert.equal(cache.size, 3);
      assert.equal(cache.delete(1.5), true);
      assert.equal(cache.has("1.5"), false);
    });

    test("hits and misses recorded between engine calls are all counted, in any mix, under either policy", () => {
      // Gets that find or miss their key on their own only append to a buffer in shared memory;
      // thousands of them, with no other call between, fill it many times over.
      for (const evictionPolicy of ["lru", "tinylfu"]) {
        const cache = new CacheManager({ maxEntries: 16, evictionPolicy });
        for (let i = 0; i < 7; i++) cache.set(`k${i}`, i);
        let hits = 0;
        let misses = 0;
        for (let i = 0; i < 5000; i++) {
          // Runs of misses of different lengths, so that they meet the end of the buffer at
          // every offset.
          if (i % 11 < 4 || i % 13 === 0) {
            assert.equal(cache.get(`absent${i}`), undefined);
            misses++;
          } else {
            assert.equal(cache.get(`k${i % 7}`), i % 7);
            hits++;
          }
        }
        const stats = cache.getStats();
        assert.equal(stats.hits, hits, evictionPolicy);
        assert.equal(stats.misses, misses, evictionPolicy);
        cache.free();
      }
    });

    test("an integer key and its decimal string are one key under either policy, counted once", () => {
      for (const evictionPolicy of ["lru", "tinylfu"]) {
        const cache = new CacheManager({ maxEntries: 3, evictionPolicy });
        cache.set(7, "seven").set("8", "eight").set(0, "zero");
        assert.equal(cache.get("7"), "seven", evictionPolicy);
        assert.equal(cache.get(8), "eight", evictionPolicy);
        assert.equal(cache.get("0"), "zero", evictionPolicy);
        assert.equal(cache.get(-0), "zero", evictionPolicy);
        assert.equal(cache.get("07"), undefined, evictionPolicy);
        assert.equal(cache.get("-0"), undefined, evictionPolicy);
        assert.equal(cache.peek(7), "seven", evictionPolicy);
        assert.equal(cache.has("8"), true, evictionPolicy);
        cache.set("7", "SEVEN");
        assert.equal(cache.size, 3, evictionPolicy);
        assert.deepEqual(cache.keys().sort(), ["0", "7", "8"], evictionPolicy);
        const stats = cache.getStats();
        assert.equal(stats.hits, 4, evictionPolicy);
        assert.equal(stats.misses, 2, evictionPolicy);
        assert.equal(cache.delete("0"), true, evictionPolicy);
        assert.equal(cache.has(0), false, evictionPolicy);
        cache.free();
      }
    });

    test("a decimal string finds an integer key stored after many gets of string keys", () => {
      // Until a key in integer form is stored, a get that misses skips the decimal-form check;
      // the first such key, stored late in a cache's life, turns it on for good.
      for (const evictionPolicy of ["lru", "tinylfu"]) {
        const cache = new CacheManager({ maxEntries: 64, evictionPolicy });
        for (let i = 0; i < 3000; i++) {
          const key = `s${i % 100}`;
          if (cache.get(key) === undefined) cache.set(key, i);
          assert.equal(cache.get(String(i % 50)), undefined, evictionPolicy);
        }
        cache.set(31, "thirty-one");
        assert.equal(cache.get("31"), "thirty-one", evictionPolicy);
        cache.set("32", "thirty-two");
        assert.equal(cache.get("32"), "thirty-two", evictionPolicy);
        assert.equal(cache.get(32), "thirty-two", evictionPolicy);
        assert.equal(cache.get("33"), undefined, evictionPolicy);
        cache.clear();
        cache.set(5, "five");
        assert.equal(cache.get("5"), "five", evictionPolicy);
        cache.free();
      }
    });

    test("snake_case option names are accepted", async () => {
      const cache = new CacheManager({ max_entries: 2, default_ttl: 30, max_key_length: 4 });
      cache.set("a", 1).set("b", 2).set("c", 3);
      assert.deepEqual(cache.keys(), ["c", "b"]);
      assert.throws(() => cache.set("abcde", 1), RangeError);
      await sleep(120);
      assert.equal(cache.size, 0);
      const bytes = new CacheManager(new CacheConfig({ max_bytes: 10 }));
      bytes.set("a", 1, { size: 6 }).set("b", 2, { size: 6 });
      assert.deepEqual(bytes.keys(), ["b"]);
      const telemetry = new CacheManager({ enable_telemetry: true, telemetry_interval: 60 });
      telemetry.set("x", 1);
      assert.equal(telemetry.get("x"), 1);
      telemetry.close?.();
    });

    const freedConfigs = [
      { maxEntries: 100 },
      { maxEntries: 100, defaultTtl: 60_000 },
      { maxEntries: 100, evictionPolicy: "tinylfu" },
      { maxEntries: 100, maxBytes: 10_000 },
      { maxEntries: 100, enableTelemetry: true, telemetryInterval: 3600, latencySampleRate: 1 },
    ];
    for (const config of freedConfigs) {
      test(`after free every call throws a clear error and the memory's next owner is untouched: ${JSON.stringify(config)}`, async () => {
        const freed = { name: "Error", message: "cache-wasm: this cache was freed; create a new CacheManager" };
        const long = "k".repeat(40);
        const a = new CacheManager(config);
        a.set("k", "value of a").set(long, 1);
        assert.equal(a.get("k"), "value of a");
        assert.equal(a.get("missing"), undefined);
        a.free();
        // The next cache takes the memory a released.
        const b = new CacheManager(config);
        b.set("k", "value of b").set("other", 1);
        const before = b.getStats();
        const calls = {
          get: () => a.get("k"),
          getMissing: () => a.get("missing"),
          getLong: () => a.get(long),
          getNumber: () => a.get(7),
          getBadKey: () => a.get({}),
          set: () => a.set("k", 2),
          setNew: () => a.set("new", 2),
          setLong: () => a.set(long, 2),
          peek: () => a.peek("k"),
          peekLong: () => a.peek(long),
          has: () => a.has("k"),
          hasLong: () => a.has(long),
          delete: () => a.delete("k"),
          deleteLong: () => a.delete(long),
          clear: () => a.clear(),
          size: () => a.size,
          bytes: () => a.bytes,
          keys: () => a.keys(),
          getStats: () => a.getStats(),
          generateDashboard: () => a.generateDashboard(),
          exportMetrics: () => a.exportMetrics("json"),
          exportStatus: () => a.exportStatus(),
          getAlertHistory: () => a.getAlertHistory(),
          onMetrics: () => a.onMetrics(() => {}),
          registerAlertHandler: () => a.registerAlertHandler(() => {}),
        };
        const errors = [];
        for (let round = 0; round < 3; round++) {
          for (const [name, call] of Object.entries(calls)) {
            try {
              errors.push([name, call(), null]);
            } catch (err) {
              errors.push([name, undefined, err]);
            }
          }
        }
        const after = b.getStats();
        for (const field of ["gets", "hits", "misses", "sets", "deletes"]) assert.equal(after[field], before[field], field);
        assert.deepEqual(after.errors, before.errors);
        assert.deepEqual(b.keys(), ["other", "k"]);
        assert.equal(b.get("k"), "value of b");
        for (const [name, returned, err] of errors) {
          assert.ok(err !== null, `${name} returned ${String(returned)} instead of throwing`);
          assert.equal(err.constructor, Error, name);
          assert.equal(err.message, freed.message, name);
        }
        const asyncCalls = {
          getAsync: () => a.getAsync("k"),
          setAsync: () => a.setAsync("k", 2),
          deleteAsync: () => a.deleteAsync("k"),
          fetch: () => a.fetch("k", async () => 2),
          flushTelemetry: () => a.flushTelemetry(),
          settled: () => a.settled(),
        };
        for (const [name, call] of Object.entries(asyncCalls)) await assert.rejects(call(), freed, name);
        // free() and close() of a freed cache do nothing.
        a.free();
        a.close();
        assert.throws(() => a.get("k"), freed);
        b.free();
      });
    }

    test("instances are independent", () => {
      const one = new CacheManager({ maxEntries: 1 });
      const two = new CacheManager({ maxEntries: 5 });
      one.set("a", 1).set("b", 2);
      two.set("a", "other");
      assert.deepEqual(one.keys(), ["b"]);
      assert.equal(two.get("a"), "other");
    });

    // Every cache's views of the memory they share go stale when any cache grows it.
    for (const [what, options] of [
      ["without TTLs", {}],
      ["with a TTL in play", { defaultTtl: 60_000 }],
    ]) {
      test(`a cache ${what} works on after another cache grew the memory they share`, () => {
        // Caches of a million entries each, as many as it takes: memory that earlier tests grew
        // (and freed) may hold a few of them before it has to grow again.
        const growers = [];
        let n = 0;
        const grow = () => {
          const before = wasmMemoryBytes();
          while (wasmMemoryBytes() === before) {
            if (n % 1_000_000 === 0) {
              assert.ok(growers.length < 64, "storing entries grows the memory");
              growers.push(new CacheManager({ maxEntries: 1_000_000 }));
            }
            growers.at(-1).set(`grow:${n}`, n++);
          }
        };
        const cache = new CacheManager({ maxEntries: 100, ...options });
        const long = "long-key:".repeat(5);
        for (let i = 0; i < 40; i++) cache.set(`k${i}`, i).set(`${long}${i}`, -i);
        assert.equal(cache.get("k0"), 0);
        // Each operation is the first this cache makes after the memory grew.
        grow();
        assert.equal(cache.get("k1"), 1);
        grow();
        assert.equal(cache.get(`${long}1`), -1);
        grow();
        assert.equal(cache.get("absent"), undefined);
        grow();
        cache.set("k2", "two");
        assert.equal(cache.get("k2"), "two");
        grow();
        cache.set(`${long}2`, "long two");
        assert.equal(cache.get(`${long}2`), "long two");
        grow();
        cache.set("new", "new");
        assert.equal(cache.get("new"), "new");
        grow();
        assert.equal(cache.peek("k3"), 3);
        grow();
        assert.equal(cache.has("k4"), true);
        grow();
        assert.equal(cache.delete("k5"), true);
        assert.equal(cache.get("k5"), undefined);
        for (let i = 6; i < 40; i++) {
          assert.equal(cache.get(`k${i}`), i);
          assert.equal(cache.get(`${long}${i}`), -i);
        }
        assert.equal(cache.size, 80);
        assert.equal(cache.keys()[0], `${long}39`);
        // Filling it past its bound evicts the least recently used entries as before.
        grow();
        for (let i = 0; i < 100; i++) cache.set(`fill${i}`, i);
        assert.equal(cache.size, 100);
        assert.equal(cache.get("k6"), undefined);
        assert.equal(cache.get("fill0"), 0);
        for (const grower of growers) grower.free();
        cache.free();
      });
    }
  });
}
