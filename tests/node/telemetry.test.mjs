// Metric frames, stats windows, latency sampling and callback safety, from the packed package.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import Ajv2020 from "ajv/dist/2020.js";
import { loadPackage, nodeConsumer, ROOT } from "../support/consumer.mjs";

const schema = JSON.parse(readFileSync(join(ROOT, "cache-wasm", "schema", "frame.schema.json"), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function assertValid(frame) {
  const ok = validate(frame);
  assert.ok(ok, `frame does not match the schema: ${JSON.stringify(validate.errors, null, 1)}`);
}

async function until(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("telemetry", () => {
  let CacheManager;
  before(async () => {
    ({ CacheManager } = await loadPackage("esm"));
  });

  test("frames arrive every interval, validate against the schema and partition the totals", async () => {
    const cache = new CacheManager({ name: "frames", enableTelemetry: true, telemetryInterval: 0.05 });
    const frames = [];
    const off = cache.onMetrics((f) => frames.push(f));
    for (let i = 0; i < 50; i++) cache.get(`k${i % 10}`) ?? cache.set(`k${i % 10}`, i);
    await until(() => frames.length >= 2, "two frames");
    for (let i = 0; i < 20; i++) cache.get(`k${i % 10}`);
    await until(() => frames.length >= 4, "four frames");
    off();
    cache.close();
    const seen = frames.length;
    for (const [i, f] of frames.entries()) {
      assertValid(f);
      assert.equal(f.schema, "cache-wasm/frame@1");
      assert.equal(f.seq, i + 1, "seq counts frames");
      assert.equal(f.cache, "frames");
      assert.equal(f.window.period, "interval");
      if (i > 0) assert.equal(f.window.window_start_ms, frames[i - 1].window.window_end_ms, "windows are contiguous");
    }
    const last = frames.at(-1);
    const sum = (field) => frames.reduce((a, f) => a + f.window[field], 0);
    assert.equal(last.totals.gets, 70);
    assert.equal(sum("gets"), last.totals.gets, "frame windows add up to the totals");
    assert.equal(sum("hits"), last.totals.hits);
    assert.equal(sum("sets"), last.totals.sets);
    await sleep(200);
    assert.equal(frames.length, seen, "no frame after unsubscribe and close");
  });

  test("live caches of one name have distinct instances; the first of a name has the process's id", async () => {
    const options = { enableTelemetry: true, telemetryInterval: 3600 };
    const instanceOf = async (cache) => {
      const frame = await cache.flushTelemetry();
      assertValid(frame);
      assert.equal(JSON.parse(cache.exportMetrics("json")).instance, frame.instance, "exports name the same instance");
      return frame.instance;
    };
    const one = new CacheManager(options);
    const two = new CacheManager(options);
    const other = new CacheManager({ ...options, name: "instances-other" });
    const id = await instanceOf(other);
    assert.match(id, /^[0-9a-f]{12}$/, "the process's id");
    const [first, second] = [await instanceOf(one), await instanceOf(two)];
    assert.notEqual(first, second, "two unnamed caches");
    for (const instance of [first, second]) assert.match(instance, new RegExp(`^${id}(-[0-9]+)?$`));
    // A freed cache's number goes to the next cache of its name.
    const a = new CacheManager({ ...options, name: "instances-pair" });
    const b = new CacheManager({ ...options, name: "instances-pair" });
    assert.deepEqual([await instanceOf(a), await instanceOf(b)], [id, `${id}-2`]);
    a.free();
    const c = new CacheManager({ ...options, name: "instances-pair" });
    const d = new CacheManager({ ...options, name: "instances-pair" });
    assert.deepEqual([await instanceOf(c), await instanceOf(d)], [id, `${id}-3`]);
    for (const cache of [one, two, other, b, c, d]) cache.free();
  });

  test("flushTelemetry builds a frame now, with sampled latency of every op at rate 1", async () => {
    const cache = new CacheManager({ enableTelemetry: true, telemetryInterval: 3600, latencySampleRate: 1 });
    for (let i = 0; i < 40; i++) cache.set(`k${i}`, i);
    for (let i = 0; i < 60; i++) cache.get(`k${i}`);
    cache.delete("k1");
    const f = await cache.flushTelemetry();
    assertValid(f);
    cache.close();
    assert.equal(f.seq, 1);
    assert.equal(f.window.gets, 60);
    assert.equal(f.window.hits, 40);
    assert.equal(f.window.misses, 20);
    assert.equal(f.window.hit_rate, (40 * 100) / 60);
    assert.equal(f.window.latency.get.count, 60);
    assert.equal(f.window.latency.set.count, 40);
    assert.equal(f.window.latency.delete.count, 1);
    for (const op of ["get", "set", "delete"]) {
      const l = f.window.latency[op];
      assert.ok(l.p50_ms <= l.p95_ms && l.p95_ms <= l.p99_ms && l.p99_ms <= l.max_ms, `${op} percentiles are ordered`);
    }
  });

  test("a call that throws is not timed: latency counts only the operations that ran", () => {
    const cache = new CacheManager({ enableTelemetry: true, telemetryInterval: 3600, latencySampleRate: 1 });
    cache.set("a", 1);
    cache.get("a");
    cache.delete("a");
    assert.throws(() => cache.set("b", undefined), TypeError);
    assert.throws(() => cache.set({}, 1), TypeError);
    assert.throws(() => cache.set("c", 1, { ttl: -1 }), RangeError);
    assert.throws(() => cache.set("d", 1, { size: "big" }), TypeError);
    assert.throws(() => cache.get({}), TypeError);
    assert.throws(() => cache.delete({}), TypeError);
    const s = cache.getStats();
    cache.close();
    assert.equal(s.errors.by_type.bad_input, 6);
    assert.deepEqual([s.sets, s.gets, s.deletes], [1, 1, 1]);
    assert.equal(s.latency.set.count, 1);
    assert.equal(s.latency.get.count, 1);
    assert.equal(s.latency.delete.count, 1);
  });

  test("sampling at the default rate times about one operation in a hundred", async () => {
    const cache = new CacheManager({ enableTelemetry: true, telemetryInterval: 3600 });
    for (let i = 0; i < 10_000; i++) cache.get(`k${i}`);
    const s = cache.getStats();
    cache.close();
    assert.equal(s.gets, 10_000);
    assert.equal(s.latency.get.count, 100);
  });

  test("sampling times each kind of operation in its share, whatever the pattern of calls", () => {
    const patterns = {
      "a get that misses, then a set": (c, i) => {
        if (c.get(`k${i}`) === undefined) c.set(`k${i}`, i);
      },
      "a set, two gets and a delete": (c, i) => {
        c.set(`k${i}`, i);
        c.get(`k${i}`);
        c.get(`k${i}`);
        c.delete(`k${i}`);
      },
    };
    for (const [name, step] of Object.entries(patterns)) {
      for (const rate of [0.01, 0.25]) {
        const cache = new CacheManager({ maxEntries: 1000, enableTelemetry: true, telemetryInterval: 3600, latencySampleRate: rate });
        for (let i = 0; i < 20_000; i++) step(cache, i);
        const s = cache.getStats();
        cache.close();
        const ops = s.gets + s.sets + s.deletes;
        const timed = s.latency.get.count + s.latency.set.count + s.latency.delete.count;
        // One timed in each whole run of 1 / rate operations.
        assert.ok(Math.abs(timed - ops * rate) <= 1, `${name} at ${rate}: ${timed} of ${ops} timed`);
        for (const [op, count] of [["get", s.gets], ["set", s.sets], ["delete", s.deletes]]) {
          if (count === 0) continue;
          const share = s.latency[op].count / (count * rate);
          assert.ok(share > 0.7 && share < 1.3, `${name} at ${rate}: ${s.latency[op].count} of ${count} ${op}s timed`);
        }
      }
    }
  });

  test("with telemetry off, counts are kept, latency is null and windows are empty", () => {
    const cache = new CacheManager();
    cache.set("a", 1);
    cache.get("a");
    cache.get("b");
    const all = cache.getStats("all");
    assert.equal(all.gets, 2);
    assert.equal(all.hit_rate, 50);
    assert.equal(all.latency.get, null);
    const hour = cache.getStats({ period: "hour" });
    assert.equal(hour.period, "hour");
    assert.equal(hour.gets, 0);
    assert.equal(hour.size.entries, 1, "sizes are always current");
    assert.throws(() => cache.getStats("week"), RangeError);
    assert.throws(() => cache.flushTelemetry().catch(() => {}) && cache.onMetrics(42), TypeError);
  });

  test("minute, hour and day windows hold the recent traffic", () => {
    const cache = new CacheManager({ enableTelemetry: true });
    for (let i = 0; i < 30; i++) cache.get(`k${i % 3}`) ?? cache.set(`k${i % 3}`, i);
    for (const period of ["minute", "hour", "day"]) {
      const s = cache.getStats(period);
      assert.equal(s.period, period);
      assert.equal(s.gets, 30, period);
      assert.equal(s.misses, 3, period);
      assert.equal(s.miss_rate, 10, period);
      assert.ok(s.window_start_ms <= s.window_end_ms);
    }
    cache.close();
  });

  test("a delete, an overwrite and clear() count under removals, never under evictions", async () => {
    const cache = new CacheManager({ enableTelemetry: true, telemetryInterval: 3600, maxEntries: 2 });
    const causes = (s) => ({ evictions: s.evictions, removals: s.removals });
    const counts = (capacity, expired, deleted, replaced, cleared) => ({
      evictions: { total: capacity + expired, by_cause: { capacity, bytes: 0, expired } },
      removals: { total: deleted + replaced + cleared, by_cause: { deleted, replaced, cleared } },
    });
    try {
      cache.set("a", 1).set("b", 2).set("c", 3); // "a" is evicted for room.
      cache.set("b", 20);
      cache.delete("c");
      cache.clear();
      const first = await cache.flushTelemetry();
      cache.set("t", 1, { ttl: 20 });
      await sleep(60);
      const all = counts(1, 1, 1, 1, 1);
      for (const period of ["all", "minute", "hour", "day"]) {
        const s = cache.getStats(period);
        assert.deepEqual(causes(s), all, period);
        assert.equal(s.ttl.expired, 1, period);
        assert.equal(s.ttl.expired_unread, 1, period);
      }
      const second = await cache.flushTelemetry();
      for (const f of [first, second]) assertValid(f);
      assert.deepEqual(causes(first.window), counts(1, 0, 1, 1, 1));
      assert.deepEqual(causes(second.window), counts(0, 1, 0, 0, 0));
      assert.deepEqual(causes(second.totals), all);
      assert.deepEqual(causes(JSON.parse(cache.exportMetrics("json")).totals), all);
    } finally {
      cache.close();
      cache.free();
    }
  });

  test("a cache with telemetry on that is dropped without close() is collected and its timers stop", async () => {
    // In a process of its own, to force garbage collection: caches with frame timers (one
    // with a subscriber, one with alert rules and a handler, one pushing frames), left
    // unreferenced, must be collected, and no frame may come after.
    const esm = pathToFileURL(join(nodeConsumer(), "esm.mjs")).href;
    const program = `
      import { CacheManager } from ${JSON.stringify(esm)};
      import { setTimeout as sleep } from "node:timers/promises";
      let frames = 0;
      let collected = 0;
      const registry = new FinalizationRegistry(() => collected++);
      const configs = [
        { enableTelemetry: true, telemetryInterval: 0.05 },
        { enableTelemetry: true, telemetryInterval: 0.05, alertOnHighMissRate: true, alertMinSamples: 1 },
        { enableTelemetry: true, telemetryInterval: 3600, telemetryExport: true, telemetryExportFormat: "json", telemetryExportEndpoint: "http://127.0.0.1:9/frames" },
      ];
      function make(config) {
        const cache = new CacheManager(config);
        cache.onMetrics(() => frames++);
        cache.registerAlertHandler(() => {});
        cache.get("absent");
        registry.register(cache, null);
      }
      configs.forEach(make);
      await sleep(150);
      for (let i = 0; i < 10 && collected < configs.length; i++) {
        globalThis.gc();
        await sleep(20);
      }
      const before = frames;
      await sleep(200);
      console.log(JSON.stringify({ caches: configs.length, collected, framesAfter: frames - before }));
    `;
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ["--expose-gc", "--input-type=module", "-e", program], { timeout: 20_000 });
    const r = JSON.parse(stdout.trim().split("\n").pop());
    assert.equal(r.collected, r.caches, "every dropped cache is collected");
    assert.equal(r.framesAfter, 0, "no frame after the caches are gone");
  });

  test("a throwing or unsubscribing subscriber breaks nothing and is counted", async () => {
    const cache = new CacheManager({ enableTelemetry: true, telemetryInterval: 3600 });
    const got = [];
    let offSelf = null;
    cache.onMetrics(() => {
      throw new Error("subscriber failure");
    });
    offSelf = cache.onMetrics((f) => {
      got.push(["self", f.seq]);
      offSelf();
    });
    cache.onMetrics((f) => {
      got.push(["reentrant", f.seq]);
      cache.set("from-callback", 1);
      cache.get("from-callback");
    });
    const f1 = await cache.flushTelemetry();
    const f2 = await cache.flushTelemetry();
    cache.close();
    assert.equal(f1.totals.errors.by_type.subscriber, 0);
    assert.deepEqual(got, [
      ["self", 1],
      ["reentrant", 1],
      ["reentrant", 2],
    ]);
    // A frame's figures are taken before it is delivered, so frame 2 shows frame 1's failure.
    assert.equal(f2.totals.errors.by_type.subscriber, 1);
    assert.equal(cache.getStats().errors.by_type.subscriber, 2);
    assert.equal(cache.get("from-callback"), 1);
  });

  test("bad input is counted under errors.by_type.bad_input", () => {
    const cache = new CacheManager();
    assert.throws(() => cache.get({}), TypeError);
    assert.throws(() => cache.set("k", undefined), TypeError);
    assert.throws(() => cache.set("k", 1, { ttl: -5 }), RangeError);
    const s = cache.getStats();
    assert.equal(s.errors.by_type.bad_input, 3);
    assert.equal(s.errors.total, 3);
    assert.equal(s.sets, 0);
  });

  test("alert handlers get transitions; throwing and re-entrant handlers are safe", async () => {
    const cache = new CacheManager({
      enableTelemetry: true,
      telemetryInterval: 3600,
      alertOnHighMissRate: true,
      highMissRateThreshold: 0.5,
    });
    const calls = [];
    cache.registerAlertHandler(() => {
      throw new Error("handler failure");
    });
    cache.registerAlertHandler((type, details) => {
      calls.push([type, details]);
      cache.registerAlertHandler(() => {});
      cache.get("x");
    });
    for (let i = 0; i < 100; i++) cache.get(`miss${i}`);
    const f = await cache.flushTelemetry();
    cache.close();
    assert.equal(calls.length, 1);
    const [type, d] = calls[0];
    assert.equal(type, "high_miss_rate");
    assert.equal(d.state, "firing");
    assert.equal(d.value, 1);
    assert.equal(d.threshold, 0.5);
    assert.equal(d.samples, 100);
    assert.equal(f.alerts.length, 1);
    const after = cache.getStats();
    assert.equal(after.errors.by_type.alert_handler, 1);
    assert.equal(after.gets, 101, "the handler's get went through");
  });
});
