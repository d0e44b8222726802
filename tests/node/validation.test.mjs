// Bad input: configs, keys, values and set options are rejected with named errors and leave the cache intact.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { runInNewContext } from "node:vm";
import { loadPackage } from "../support/consumer.mjs";

// Matches an option name in camelCase or its snake_case alias.
function optionPattern(name) {
  const words = name.replace(/([A-Z])/g, " $1").toLowerCase().split(" ");
  return new RegExp(words.join("_?"), "i");
}

function assertNamedError(fn, names, types = [TypeError, RangeError]) {
  let thrown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `expected an error naming ${names.join(" and ")}`);
  assert.ok(
    types.some((type) => thrown instanceof type),
    `expected ${types.map((t) => t.name).join(" or ")}, got ${thrown?.constructor?.name}: ${thrown?.message}`,
  );
  for (const name of names) {
    assert.match(String(thrown.message), optionPattern(name), `the message names ${name}`);
  }
}

for (const kind of ["esm", "cjs"]) {
  describe(`bad input (${kind})`, () => {
    let CacheManager, CacheConfig, OtherConfig, wasmMemoryBytes;

    before(async () => {
      const pkg = await loadPackage(kind);
      await pkg.init();
      ({ CacheManager, CacheConfig } = pkg);
      ({ wasmMemoryBytes } = pkg.module);
      // The other entry's copy of the classes, as a project that both imports and requires the package has.
      const other = await loadPackage(kind === "esm" ? "cjs" : "esm");
      await other.init();
      OtherConfig = other.CacheConfig;
    });

    const badOptions = [
      [{ colour: "red" }, "colour"],
      [{ maxEntries: 0 }, "maxEntries"],
      [{ maxEntries: -1 }, "maxEntries"],
      [{ maxEntries: NaN }, "maxEntries"],
      [{ maxEntries: "x" }, "maxEntries"],
      [{ maxEntries: true }, "maxEntries"],
      [{ max_entries: 0 }, "maxEntries"],
      [{ maxBytes: -1 }, "maxBytes"],
      [{ maxBytes: "x" }, "maxBytes"],
      [{ defaultTtl: -1 }, "defaultTtl"],
      [{ defaultTtl: NaN }, "defaultTtl"],
      [{ defaultTtl: "x" }, "defaultTtl"],
      [{ ttlClock: "1ms" }, "ttlClock"],
      [{ ttlClock: 1 }, "ttlClock"],
      [{ ttl_clock: true }, "ttlClock"],
      [{ maxKeyLength: 0 }, "maxKeyLength"],
      [{ maxKeyLength: "x" }, "maxKeyLength"],
      [{ evictionPolicy: "fifo" }, "evictionPolicy"],
      [{ evictionPolicy: 1 }, "evictionPolicy"],
      [{ enableTelemetry: "yes" }, "enableTelemetry"],
      [{ telemetryInterval: 0.01, enableTelemetry: true }, "telemetryInterval"],
      [{ telemetryInterval: "x" }, "telemetryInterval"],
      [{ metricsCollection: "no" }, "metricsCollection"],
      [{ telemetryExportFormat: "xml" }, "telemetryExportFormat"],
      [{ highMissRateThreshold: 1.5 }, "highMissRateThreshold"],
      [{ highMissRateThreshold: -0.1 }, "highMissRateThreshold"],
      [{ highLatencyThreshold: -1 }, "highLatencyThreshold"],
      [{ highLatencyThreshold: "x" }, "highLatencyThreshold"],
      [{ name: 5 }, "name"],
    ];

    for (const [options, name] of badOptions) {
      const label = JSON.stringify(options, (_, v) => (Number.isNaN(v) ? "NaN" : v));
      test(`config ${label} is rejected naming ${name}`, () => {
        assertNamedError(() => new CacheManager(options), [name]);
        assertNamedError(() => new CacheConfig(options), [name]);
      });
    }

    const needTelemetry = [
      [{ alertOnHighMissRate: true }, "alertOnHighMissRate"],
      [{ alertOnHighLatency: true, enableTelemetry: false }, "alertOnHighLatency"],
      [{ alert_on_high_miss_rate: true }, "alertOnHighMissRate"],
      [
        {
          telemetryExport: true,
          telemetryExportFormat: "json",
          telemetryExportEndpoint: "http://127.0.0.1:9/frames",
        },
        "telemetryExport",
      ],
    ];
    for (const [options, name] of needTelemetry) {
      test(`${JSON.stringify(options)} without enableTelemetry is a TypeError naming both`, () => {
        assertNamedError(() => new CacheManager(options), [name, "enableTelemetry"], [TypeError]);
      });
    }

    const noLatency = [
      [{ metricsCollection: false }, "metricsCollection"],
      [{ latencySampleRate: 0 }, "latencySampleRate"],
    ];
    for (const [options, name] of noLatency) {
      test(`alertOnHighLatency with ${JSON.stringify(options)} is a TypeError naming both`, () => {
        const config = { enableTelemetry: true, alertOnHighLatency: true, ...options };
        assertNamedError(() => new CacheManager(config), ["alertOnHighLatency", name], [TypeError]);
      });
    }

    // Objects whose options would be inherited rather than their own, which would read as empty.
    class Options {
      get maxEntries() {
        return 2;
      }
    }
    const notPlain = [
      ["a Map", () => new Map([["maxEntries", 2]]), /got Map$/],
      ["a class instance with a getter", () => new Options(), /got Options$/],
      ["an object inheriting its options", () => Object.create({ maxEntries: 2 }), /got an object that inherits from another \(inherited properties are not read\)$/],
    ];
    for (const [label, make, got] of notPlain) {
      test(`options given as ${label} are a TypeError`, () => {
        for (const build of [() => new CacheManager(make()), () => new CacheConfig(make())]) {
          assert.throws(build, (err) => {
            assert.ok(err instanceof TypeError, `${err?.constructor?.name}: ${err?.message}`);
            assert.match(err.message, /^cache-wasm: cache options must be a plain object \(\{ maxEntries: … \}\) or a CacheConfig, got /);
            assert.match(err.message, got);
            return true;
          });
        }
      });
      test(`a layer given as ${label} is a TypeError naming it`, () => {
        const layer = make();
        const options = { layers: [{ name: "ok", store }, layer] };
        for (const build of [() => new CacheManager(options), () => new CacheConfig(options)]) {
          assert.throws(build, (err) => {
            assert.ok(err instanceof TypeError, `${err?.constructor?.name}: ${err?.message}`);
            assert.match(err.message, /^cache-wasm: option `layers\[1\]` must be a plain object \(\{ name, store \}\), got /);
            assert.match(err.message, got);
            return true;
          });
        }
      });
    }

    test("plain objects of any prototype-free kind or realm are options", () => {
      const bare = Object.assign(Object.create(null), { maxEntries: 2 });
      assert.equal(new CacheConfig(bare).maxEntries, 2);
      const foreign = runInNewContext("({ maxEntries: 3, layers: [{ name: 'kv', store: {} }] })");
      foreign.layers[0].store = store;
      assert.equal(new CacheConfig(foreign).maxEntries, 3);
      assert.equal(new CacheManager(foreign).set("a", 1).get("a"), 1);
    });

    test("options are read once, and a cache uses the values that were validated", async () => {
      const memoryStore = () => {
        const m = new Map();
        return { m, get: async (k) => m.get(k), set: async (k, v) => void m.set(k, v), delete: async (k) => void m.delete(k) };
      };
      for (const viaConfig of [false, true]) {
        // Getters that answer differently on a later read: only the first read may count.
        const first = memoryStore();
        const later = memoryStore();
        let layerReads = 0;
        let storeReads = 0;
        const layer = {
          name: "kv",
          get store() {
            return ++storeReads === 1 ? first : later;
          },
        };
        const options = {
          maxEntries: 5,
          get layers() {
            return ++layerReads === 1 ? [layer] : undefined;
          },
        };
        const cache = new CacheManager(viaConfig ? new CacheConfig(options) : options);
        assert.equal(layerReads, 1, "layers is read once");
        assert.equal(storeReads, 1, "a layer's store is read once");
        await cache.setAsync("a", 1);
        assert.equal(first.m.has("a"), true, "the validated store is the one written to");
        assert.equal(later.m.size, 0);
        cache.delete("a");
        assert.equal(await cache.getAsync("a"), 1, "read back from the layer");
        assert.equal(cache.getStats().layers.kv.hits, 1);
      }
      // A Proxy's get trap runs once for each option.
      const reads = [];
      const proxy = new Proxy(
        { maxEntries: 5, layers: [{ name: "kv", store: memoryStore() }] },
        {
          get(target, key, receiver) {
            if (typeof key === "string") reads.push(key);
            return Reflect.get(target, key, receiver);
          },
        },
      );
      for (const build of [() => new CacheManager(proxy), () => new CacheConfig(proxy)]) {
        reads.length = 0;
        build();
        assert.deepEqual(reads, ["maxEntries", "layers"]);
      }
    });

    test("a CacheConfig holds the layers it validated: later changes to the options do not reach its caches", async () => {
      const kv = { get: async () => undefined, set: async () => {}, delete: async () => {} };
      const layer = { name: "kv", store: kv };
      const options = { layers: [layer] };
      const config = new CacheConfig(options);
      layer.name = "renamed";
      options.layers.push({ name: "extra", store: {} });
      assert.throws(() => config.layers.push({ name: "extra", store: {} }), TypeError);
      assert.throws(() => {
        config.layers[0].name = "renamed";
      }, TypeError);
      for (let i = 0; i < 2; i++) {
        const cache = new CacheManager(config);
        assert.deepEqual(Object.keys(cache.getStats().layers), ["memory", "kv"]);
        await cache.setAsync("a", 1);
      }
      assert.equal(config.layers[0].store, kv, "the store is the one given, not a copy");
    });

    test("a CacheConfig from the other entry of the package is taken as a CacheConfig", () => {
      const config = new OtherConfig({ maxEntries: 2, layers: [{ name: "kv", store }] });
      assert.equal(new CacheConfig(config).maxEntries, 2);
      assert.deepEqual(new CacheConfig(config).layers, config.layers);
      const cache = new CacheManager(config);
      cache.set("a", 1).set("b", 2).set("c", 3);
      assert.deepEqual(cache.keys(), ["c", "b"]);
    });

    test("an array option over the size limit is a TypeError naming it, before anything is allocated", () => {
      for (const layers of [new Array(2000), new Array(4e9)]) {
        for (const build of [() => new CacheManager({ layers }), () => new CacheConfig({ layers })]) {
          assertNamedError(build, ["layers"], [TypeError]);
          assert.throws(build, { message: `cache-wasm: option \`layers\` is an array of ${layers.length} items; an option's array may have at most 1024` });
        }
      }
      assertNamedError(() => new CacheManager({ name: new Array(2000) }), ["name"], [TypeError]);
      // Where an option takes no array, an array is refused by its type, as any other value is.
      assertNamedError(() => new CacheManager({ max_entries: new Array(2000) }), ["maxEntries"], [TypeError]);
    });

    test("an unknown name is reported as an unknown option, whatever it holds, before any value is read", () => {
      const throwing = Object.defineProperty({}, "colour", {
        enumerable: true,
        get() {
          throw new Error("the value was read");
        },
      });
      for (const options of [{ colour: new Array(2000) }, { layers: new Array(2000), colour: 1 }, { maxEntries: 0, colour: 1 }, throwing]) {
        for (const build of [() => new CacheManager(options), () => new CacheConfig(options)]) {
          assert.throws(build, (err) => err instanceof TypeError && /^cache-wasm: unknown option `colour`/.test(err.message));
        }
      }
      const layers = [{ name: "kv", store, extra: new Array(2000) }];
      assert.throws(() => new CacheManager({ layers }), (err) => err instanceof TypeError && /`layers\[0\]`: unknown field `extra`/.test(err.message));
    });

    test("options whose keys cannot be listed throw that error, and later caches still build", () => {
      const hostile = new Proxy(
        {},
        {
          ownKeys() {
            throw new Error("no keys");
          },
        },
      );
      for (let i = 0; i < 1000; i++) {
        assert.throws(() => new CacheManager(hostile), { message: "no keys" });
      }
      assert.equal(new CacheManager({ maxEntries: 2 }).set("a", 1).get("a"), 1);
    });

    test("a bad option is refused without being copied into WebAssembly memory, with a short message", () => {
      // Memory a bad config grew would stay: WebAssembly memory never shrinks.
      const wide = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, `v${i}`]));
      const row = Array.from({ length: 1024 }, (_, i) => `item ${i}`);
      const deep = Array.from({ length: 256 }, () => row);
      const long = "x".repeat(1 << 25);
      const cases = [
        [{ maxEntries: wide }, TypeError, "option `maxEntries` must be a number, got object"],
        [{ maxEntries: deep }, TypeError, "option `maxEntries` must be a number, got array"],
        [{ layers: [{ name: "kv", store, timeoutMs: wide }] }, TypeError, "`timeoutMs` must be a number of milliseconds"],
        [{ name: long }, RangeError, "option `name` must be a string of 1 to 256 characters"],
        [{ [long]: 1 }, TypeError, "unknown option `xxxxxxxxxx"],
        [{ telemetryExportEndpoint: long }, RangeError, "option `telemetryExportEndpoint` must be"],
        [{ telemetryChannel: long, enableTelemetry: true }, RangeError, "option `telemetryChannel` must be"],
        [{ evictionPolicy: long }, RangeError, "option `evictionPolicy` must be"],
        [{ layers: [{ name: long, store }] }, TypeError, "option `layers[0]`: `name` must be a string of 1 to 64 characters"],
        [{ layers: [{ name: "kv", store, [long]: 1 }] }, TypeError, "option `layers[0]`: unknown field `xxxxxxxxxx"],
      ];
      for (const [options, type, text] of cases) {
        for (const build of [() => new CacheManager(options), () => new CacheConfig(options)]) {
          const before = wasmMemoryBytes();
          assert.throws(build, (err) => {
            assert.ok(err instanceof type, `${err?.constructor?.name}: ${String(err?.message).slice(0, 200)}`);
            assert.ok(err.message.includes(text), err.message.slice(0, 200));
            assert.ok(err.message.length < 1000, `a message of ${err.message.length} characters`);
            return true;
          });
          // The options are tens of megabytes; what is read of them stays within a few pages.
          const grown = wasmMemoryBytes() - before;
          assert.ok(grown <= 4 * 65536, `${text}: WebAssembly memory grew by ${grown} bytes`);
        }
      }
    });

    // Values just past a limit: each message states the range the check applies.
    const store = { get: async () => undefined, set: async () => {}, delete: async () => {} };
    const pastLimits = [
      [{ maxKeyLength: 2 ** 32 }, "maxKeyLength", "a whole number of characters from 1 to 65536, got 4294967296"],
      [{ maxKeyLength: 65537 }, "maxKeyLength", "a whole number of characters from 1 to 65536, got 65537"],
      [{ maxBytes: 2 ** 53 }, "maxBytes", "from 1 to 2^53 − 1 (9007199254740991), or 0 for no byte bound, got 9007199254740992"],
      [{ alertMinSamples: 2 ** 53 }, "alertMinSamples", "from 1 to 2^53 − 1 (9007199254740991), got 9007199254740992"],
      [{ defaultTtl: 2 ** 53 }, "defaultTtl", "from 0 to 2^53 − 1 (9007199254740991), got 9007199254740992"],
      [{ defaultTtl: Infinity }, "defaultTtl", "from 0 to 2^53 − 1 (9007199254740991), got Infinity"],
      [{ defaultTtl: -Infinity }, "defaultTtl", "got -Infinity"],
      [{ defaultTtl: 1e300 }, "defaultTtl", "got 1e+300"],
      // A layer's faults are all TypeErrors naming `layers[i]`.
      [{ layers: [{ name: "kv", store, timeoutMs: 0.001 }] }, "layers", "from 1 to 2147483647, got 0.001", TypeError],
    ];
    for (const [options, name, text, type = RangeError] of pastLimits) {
      test(`config ${JSON.stringify(options)} is a ${type.name} stating the range it takes`, () => {
        for (const make of [() => new CacheManager(options), () => new CacheConfig(options)]) {
          assertNamedError(make, [name], [type]);
          assert.throws(make, (err) => err.message.endsWith(text), `the message ends with ${text}`);
        }
      });
    }

    test("the largest values the messages state are accepted", () => {
      const cache = new CacheManager({ maxKeyLength: 65536, maxBytes: 2 ** 53 - 1, defaultTtl: 2 ** 53 - 1 });
      const key = "k".repeat(65536);
      cache.set(key, 1);
      assert.equal(cache.get(key), 1);
      assert.throws(() => cache.set(key + "k", 1), RangeError);
      const layered = new CacheConfig({ layers: [{ name: "kv", store, timeoutMs: 1 }] });
      assert.equal(layered.layers.length, 1);
    });

    // Endpoints of the right shape that a URL parser or fetch's credentials would refuse.
    const badEndpoints = [
      ["http://a%zz@example.com:80/x", /%XX escapes of UTF-8/],
      ["http://999.1.1.1:80", /IPv4 address/],
      ["http://1.2.3.4.5:80", /IPv4 address/],
      ["http://[::1::2]:80", /IPv6 address/],
      ["http://[1.2.3.4]:80", /IPv6 address/],
      ["http://0x100000000:80", /IPv4 address/],
    ];
    const exportTo = (endpoint, name = "endpoint-check") => ({
      name,
      enableTelemetry: true,
      telemetryExport: true,
      telemetryExportFormat: "json",
      telemetryExportEndpoint: endpoint,
    });
    for (const [endpoint, detail] of badEndpoints) {
      test(`telemetryExportEndpoint ${JSON.stringify(endpoint)} is a RangeError saying what is expected`, () => {
        for (const make of [() => new CacheManager(exportTo(endpoint)), () => new CacheConfig(exportTo(endpoint))]) {
          assertNamedError(make, ["telemetryExportEndpoint"], [RangeError]);
          assert.throws(make, (err) => detail.test(err.message) && /must be an http\(s\):\/\/ URL/.test(err.message));
        }
      });
    }

    test("an endpoint this runtime's URL parser refuses is a RangeError naming the option, and builds nothing", async () => {
      // Accepted by the engine's checks; the punycode label does not decode.
      const endpoint = "http://xn--zz:80/frames";
      for (const make of [() => new CacheManager(exportTo(endpoint, "endpoint-refused")), () => new CacheConfig(exportTo(endpoint))]) {
        assertNamedError(make, ["telemetryExportEndpoint"], [RangeError]);
        assert.throws(make, (err) => err.message.includes(JSON.stringify(endpoint)) && err.cause instanceof Error);
      }
      // The refused caches took no instance number: the next cache of the name is the first.
      const cache = new CacheManager({ name: "endpoint-refused", enableTelemetry: true });
      const other = new CacheManager({ name: "endpoint-other", enableTelemetry: true });
      try {
        assert.equal(JSON.parse(cache.exportMetrics("json")).instance, JSON.parse(other.exportMetrics("json")).instance);
      } finally {
        cache.close();
        other.close();
      }
    });

    test("valid configs construct", () => {
      assert.equal(new CacheManager(undefined).size, 0);
      assert.equal(new CacheManager({}).size, 0);
      const plain = new CacheManager({ name: "plain", maxEntries: 5, maxBytes: 1000, defaultTtl: 0, maxKeyLength: 100 });
      plain.set("a", 1);
      assert.equal(plain.get("a"), 1);
      assert.equal(new CacheManager({ evictionPolicy: "tinylfu" }).set("t", 1).get("t"), 1);
    });

    test("configs with telemetry and alerts construct and close", () => {
      const full = new CacheManager({
        name: "checkout",
        enableTelemetry: true,
        telemetryInterval: 0.05,
        metricsCollection: true,
        alertOnHighMissRate: true,
        highMissRateThreshold: 0.25,
        alertOnHighLatency: true,
        highLatencyThreshold: 5,
      });
      try {
        full.set("a", 1);
        assert.equal(full.get("a"), 1);
      } finally {
        full.close();
      }
      const quiet = new CacheManager({ enableTelemetry: true, metricsCollection: false });
      try {
        quiet.set("b", 2);
        assert.equal(quiet.get("b"), 2);
      } finally {
        quiet.close();
      }
    });

    describe("calls with bad arguments leave the cache unchanged", () => {
      let cache;
      let expected;

      // Checks the cache against the expected contents, most recently used first, then reads one key.
      function assertIntact() {
        assert.equal(cache.size, expected.length);
        assert.deepEqual(cache.keys(), expected.map(([k]) => k));
        assert.equal(cache.bytes, expected.reduce((sum, [, , size]) => sum + size, 0));
        const [key, value] = expected[expected.length - 1];
        assert.equal(cache.get(key), value);
        expected.unshift(expected.pop());
      }

      before(() => {
        cache = new CacheManager({ maxEntries: 10, maxKeyLength: 8 });
        cache.set("one", "v1", { size: 3 }).set("two", "v2", { size: 4 }).set("three", "v3", { size: 5 });
        expected = [
          ["three", "v3", 5],
          ["two", "v2", 4],
          ["one", "v1", 3],
        ];
        assertIntact();
      });

      const badKeys = [
        ["an object", {}],
        ["an array", ["one"]],
        ["a symbol", Symbol("one")],
        ["undefined", undefined],
        ["null", null],
        ["a boolean", true],
        ["a bigint", 1n],
        ["a function", () => "one"],
      ];
      for (const [label, key] of badKeys) {
        test(`a key that is ${label} is a TypeError in every method`, () => {
          assert.throws(() => cache.set(key, "x"), TypeError);
          assertIntact();
          assert.throws(() => cache.get(key), TypeError);
          assertIntact();
          assert.throws(() => cache.peek(key), TypeError);
          assertIntact();
          assert.throws(() => cache.has(key), TypeError);
          assertIntact();
          assert.throws(() => cache.delete(key), TypeError);
          assertIntact();
        });
      }

      test("a key longer than maxKeyLength is a RangeError; one at the limit is fine", () => {
        for (const key of ["abcdefghi", 123456789]) {
          assert.throws(() => cache.set(key, "x"), RangeError);
          assertIntact();
          assert.throws(() => cache.get(key), RangeError);
          assertIntact();
          assert.throws(() => cache.peek(key), RangeError);
          assertIntact();
          assert.throws(() => cache.has(key), RangeError);
          assertIntact();
          assert.throws(() => cache.delete(key), RangeError);
          assertIntact();
        }
        assert.equal(cache.has("abcdefgh"), false);
        assertIntact();
      });

      test("undefined is not a storable value", () => {
        assert.throws(() => cache.set("new", undefined), TypeError);
        assertIntact();
        assert.throws(() => cache.set("one", undefined), TypeError, "an existing entry is kept");
        assertIntact();
        assert.equal(cache.has("new"), false);
      });

      const badSetOptions = [
        ["ttl NaN", { ttl: NaN }, "ttl"],
        ["ttl -1", { ttl: -1 }, "ttl"],
        ["ttl as a string", { ttl: "10" }, "ttl"],
        ["size -1", { size: -1 }, "size"],
        ["size NaN", { size: NaN }, "size"],
        ["size as a string", { size: "10" }, "size"],
        ["a misspelt ttl", { tttl: 10 }, "tttl"],
        ["an option lru-cache has", { ttl: 10, noUpdateTTL: true }, "noUpdateTTL"],
      ];
      for (const [label, options, name] of badSetOptions) {
        test(`set with ${label} is rejected naming ${name}`, () => {
          assertNamedError(() => cache.set("new", "x", options), [name]);
          assertIntact();
          assertNamedError(() => cache.set("two", "x", options), [name]);
          assertIntact();
          assert.equal(cache.has("new"), false);
        });
      }

      test("the cache still works after all of it", () => {
        cache.set("four", "v4", { size: 6 });
        expected.unshift(["four", "v4", 6]);
        assertIntact();
        assert.equal(cache.delete("one"), true);
        expected = expected.filter(([k]) => k !== "one");
        assertIntact();
      });
    });
  });
}
