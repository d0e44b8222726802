// Alerts from the packed package: rules provoked by real traffic, real handlers, re-entrant and failing ones.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Ajv2020 from "ajv/dist/2020.js";
import { loadPackage, ROOT } from "../support/consumer.mjs";

const schema = JSON.parse(readFileSync(join(ROOT, "cache-wasm", "schema", "frame.schema.json"), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function assertValid(frame) {
  assert.ok(validate(frame), `frame does not match the schema: ${JSON.stringify(validate.errors, null, 1)}`);
}

async function until(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

// Frames only when flushed, unless a test asks for a timer.
const QUIET = { enableTelemetry: true, telemetryInterval: 3600 };
const MISS_RULE = { ...QUIET, alertOnHighMissRate: true, highMissRateThreshold: 0.5, alertCooldown: 0 };

let serial = 0;
function traffic(cache, misses, hits) {
  for (let i = 0; i < misses; i++) cache.get(`absent-${serial++}`);
  if (hits > 0) cache.set("present", 1);
  for (let i = 0; i < hits; i++) cache.get("present");
}

function recorder(cache) {
  const calls = [];
  const off = cache.registerAlertHandler((type, details) => calls.push({ type, ...details }));
  return { calls, off };
}

describe("alerts", () => {
  let CacheManager;
  let CacheConfig;
  before(async () => {
    ({ CacheManager, CacheConfig } = await loadPackage("esm"));
  });

  test("a burst of misses fires high_miss_rate, hits resolve it, stats and history show both", async () => {
    const cache = new CacheManager({ ...MISS_RULE, name: "burst" });
    const { calls } = recorder(cache);
    const before = Date.now();
    traffic(cache, 100, 0);
    const fired = await cache.flushTelemetry();
    assertValid(fired);
    assert.equal(calls.length, 1);
    const d = calls[0];
    assert.equal(d.type, "high_miss_rate");
    assert.equal(d.state, "firing");
    assert.equal(d.value, 1);
    assert.equal(d.threshold, 0.5);
    assert.equal(d.samples, 100);
    assert.equal(d.op, "get");
    assert.equal(d.layer, "memory");
    assert.ok(d.window_s >= 0 && d.window_s < 60, `window_s ${d.window_s}`);
    assert.ok(d.at_ms >= before && d.at_ms <= Date.now(), "at_ms is now");
    assert.deepEqual(Object.keys(d).sort(), ["at_ms", "layer", "op", "samples", "state", "threshold", "type", "value", "window_s"]);
    assert.deepEqual(fired.alerts, [calls[0]], "the frame carries what the handler got");
    const firing = cache.getStats().alerts;
    assert.deepEqual(firing, [
      { type: "high_miss_rate", state: "firing", value: 1, threshold: 0.5, since_ms: d.at_ms, op: "get", layer: "memory" },
    ]);

    // Still above the threshold: no new call, the state shows the latest value.
    traffic(cache, 90, 10);
    const still = await cache.flushTelemetry();
    assert.equal(still.alerts.length, 0);
    assert.equal(calls.length, 1);
    assert.equal(cache.getStats().alerts[0].value, 0.9);
    assert.equal(still.totals.alerts[0].state, "firing");

    traffic(cache, 0, 100);
    const resolved = await cache.flushTelemetry();
    assertValid(resolved);
    assert.equal(calls.length, 2);
    assert.equal(calls[1].state, "resolved");
    assert.equal(calls[1].value, 0);
    assert.equal(cache.getStats().alerts[0].state, "resolved");
    assert.equal(cache.getStats().alerts[0].since_ms, calls[1].at_ms);
    assert.deepEqual(cache.getAlertHistory(), calls, "the history holds both transitions, oldest first");
    cache.close();
  });

  test("no alert on a cold cache: alertMinSamples gets are needed (default 20)", async () => {
    const cache = new CacheManager(MISS_RULE);
    assert.equal(cache.config.alertMinSamples, 20);
    const { calls } = recorder(cache);
    traffic(cache, 19, 0);
    await cache.flushTelemetry();
    assert.equal(calls.length, 0, "19 misses are too few");
    assert.deepEqual(cache.getStats().alerts, []);
    traffic(cache, 20, 0);
    await cache.flushTelemetry();
    assert.deepEqual(calls.map((c) => c.state), ["firing"]);
    // A quiet window is no evidence either way: the alert stays firing.
    traffic(cache, 0, 5);
    await cache.flushTelemetry();
    assert.equal(calls.length, 1);
    assert.equal(cache.getStats().alerts[0].state, "firing");
    cache.close();

    const eager = new CacheManager({ ...MISS_RULE, alert_min_samples: 3 });
    const e = recorder(eager);
    traffic(eager, 3, 0);
    await eager.flushTelemetry();
    assert.equal(e.calls.length, 1);
    eager.close();
  });

  test("hysteresis holds a firing alert until the value is 10% under the threshold", async () => {
    const cache = new CacheManager(MISS_RULE);
    assert.equal(cache.config.alertHysteresis, 0.1);
    const { calls } = recorder(cache);
    traffic(cache, 60, 40);
    await cache.flushTelemetry();
    traffic(cache, 48, 52); // below 0.5, above 0.45
    await cache.flushTelemetry();
    assert.deepEqual(calls.map((c) => c.state), ["firing"]);
    traffic(cache, 45, 55);
    await cache.flushTelemetry();
    assert.deepEqual(calls.map((c) => c.state), ["firing", "resolved"]);
    cache.close();
  });

  test("a cooldown keeps a flapping rate from re-firing until it is over", async () => {
    const cache = new CacheManager({ ...MISS_RULE, alertCooldown: 0.3 });
    const { calls } = recorder(cache);
    traffic(cache, 100, 0);
    await cache.flushTelemetry();
    traffic(cache, 0, 100);
    await cache.flushTelemetry();
    traffic(cache, 100, 0);
    await cache.flushTelemetry();
    assert.deepEqual(calls.map((c) => c.state), ["firing", "resolved"], "no re-fire inside the cooldown");
    assert.equal(cache.getStats().alerts[0].state, "resolved");
    await sleep(350);
    traffic(cache, 100, 0);
    await cache.flushTelemetry();
    assert.deepEqual(calls.map((c) => c.state), ["firing", "resolved", "firing"], "fires again after it");
    cache.close();
    // The default is five minutes.
    assert.equal(new CacheConfig(QUIET).alertCooldown, 300);
  });

  test("high_latency fires per operation from real timings, with op and layer in the details", async () => {
    const cache = new CacheManager({
      ...QUIET,
      latencySampleRate: 1,
      alertOnHighLatency: true,
      highLatencyThreshold: 0.000001,
    });
    assert.equal(cache.config.highLatencyPercentile, 95);
    const { calls } = recorder(cache);
    for (let i = 0; i < 30; i++) cache.set(`k${i}`, i);
    for (let i = 0; i < 40; i++) cache.get(`k${i}`);
    for (let i = 0; i < 5; i++) cache.delete(`k${i}`);
    const f = await cache.flushTelemetry();
    assertValid(f);
    const byOp = Object.fromEntries(calls.map((c) => [c.op, c]));
    assert.deepEqual(Object.keys(byOp).sort(), ["get", "set"], "5 deletes are fewer than alertMinSamples");
    for (const [op, samples] of [["get", 40], ["set", 30]]) {
      const d = byOp[op];
      assert.equal(d.type, "high_latency");
      assert.equal(d.state, "firing");
      assert.equal(d.layer, "memory");
      assert.equal(d.samples, samples);
      assert.equal(d.threshold, 0.000001);
      assert.ok(d.value > d.threshold, `${op} p95 ${d.value} ms is above 1 ns`);
      assert.equal(d.value, f.window.latency[op].p95_ms, "the value is the window's p95");
    }
    const states = cache.getStats().alerts;
    assert.deepEqual(states.map((s) => `${s.type}/${s.op}/${s.layer}/${s.state}`).sort(), [
      "high_latency/get/memory/firing",
      "high_latency/set/memory/firing",
    ]);
    cache.close();
  });

  test("highLatencyPercentile picks the percentile compared with the threshold", async () => {
    const cache = new CacheManager({
      ...QUIET,
      latencySampleRate: 1,
      alertOnHighLatency: true,
      highLatencyThreshold: 0.000001,
      high_latency_percentile: 50,
      alertMinSamples: 25,
    });
    const { calls } = recorder(cache);
    for (let i = 0; i < 25; i++) cache.get(`k${i}`);
    const f = await cache.flushTelemetry();
    assert.equal(calls.length, 1);
    assert.equal(calls[0].op, "get");
    assert.equal(calls[0].value, f.window.latency.get.p50_ms, "the value is the window's p50");
    cache.close();
  });

  test("several handlers; a throwing one is counted and breaks neither the cache nor the others", async () => {
    const cache = new CacheManager(MISS_RULE);
    cache.registerAlertHandler(() => {
      throw new Error("handler failure");
    });
    cache.registerAlertHandler(async () => {
      throw new Error("async handler failure");
    });
    const a = recorder(cache);
    const b = recorder(cache);
    traffic(cache, 50, 0);
    await cache.flushTelemetry();
    traffic(cache, 0, 50);
    await cache.flushTelemetry();
    await sleep(0); // lets the rejected promise be counted
    assert.deepEqual(a.calls.map((c) => c.state), ["firing", "resolved"]);
    assert.deepEqual(b.calls, a.calls);
    assert.notEqual(a.calls[0], b.calls[0], "each handler gets its own details object");
    const s = cache.getStats();
    assert.equal(s.errors.by_type.alert_handler, 4, "two failing handlers, two transitions");
    cache.set("after", 1);
    assert.equal(cache.get("after"), 1);
    cache.close();
  });

  test("a callback whose return value throws when its then is read is counted, and the others still run", async () => {
    const cache = new CacheManager(MISS_RULE);
    const hostile = () => ({
      get then() {
        throw new Error("then getter failure");
      },
    });
    const frames = [];
    cache.onMetrics(hostile);
    cache.onMetrics((f) => frames.push(f.seq));
    cache.registerAlertHandler(hostile);
    const after = recorder(cache);
    traffic(cache, 30, 0);
    const f = await cache.flushTelemetry();
    assert.equal(f.seq, 1);
    assert.deepEqual(frames, [1], "the next subscriber ran");
    assert.deepEqual(after.calls.map((c) => c.state), ["firing"], "the next handler ran");
    const s = cache.getStats();
    assert.equal(s.errors.by_type.subscriber, 1);
    assert.equal(s.errors.by_type.alert_handler, 1);
    cache.close();
  });

  test("a subscriber that edits the frame does not hide its alerts from handlers", async () => {
    const cache = new CacheManager(MISS_RULE);
    cache.onMetrics((f) => {
      f.alerts.length = 0;
    });
    const { calls } = recorder(cache);
    traffic(cache, 30, 0);
    await cache.flushTelemetry();
    assert.deepEqual(calls.map((c) => c.state), ["firing"]);
    cache.close();
  });

  test("unregistering stops calls, also for a handler removed during the same delivery", async () => {
    const cache = new CacheManager(MISS_RULE);
    const order = [];
    let offLater = null;
    const offSelf = cache.registerAlertHandler(() => {
      order.push("self");
      offSelf();
      offSelf(); // a second call is harmless
    });
    cache.registerAlertHandler(() => {
      order.push("remover");
      offLater();
    });
    offLater = cache.registerAlertHandler(() => order.push("removed"));
    const gone = recorder(cache);
    gone.off();
    traffic(cache, 50, 0);
    await cache.flushTelemetry();
    traffic(cache, 0, 50);
    await cache.flushTelemetry();
    assert.deepEqual(order, ["self", "remover", "remover"]);
    assert.equal(gone.calls.length, 0);
    assert.throws(() => cache.registerAlertHandler("nope"), TypeError);
    cache.close();
  });

  test("re-entrant handlers: get, set, delete, register and flush from inside delivery", async () => {
    const cache = new CacheManager(MISS_RULE);
    const frames = [];
    cache.onMetrics((f) => frames.push(f));
    const nested = [];
    const late = [];
    cache.registerAlertHandler((type, details) => {
      cache.set("from-handler", details.state);
      assert.equal(cache.get("from-handler"), details.state);
      cache.delete("from-handler");
      cache.set("kept", details.value);
      cache.registerAlertHandler((t, d) => late.push(d.state));
      // Flushing from a handler does not nest: the calls share one frame, built afterwards.
      nested.push(cache.flushTelemetry(), cache.flushTelemetry());
    });
    const others = recorder(cache);
    traffic(cache, 40, 0);
    const outer = await cache.flushTelemetry();
    assert.equal(nested.length, 2);
    const [n1, n2] = await Promise.all(nested);
    assert.equal(n1, n2, "re-entrant flushes share one frame");
    assert.equal(n1.seq, outer.seq + 1);
    assertValid(n1);
    assert.equal(n1.window.sets, 2, "the handler's writes went through");
    assert.equal(n1.window.gets, 1);
    assert.equal(n1.window.deletes, 1);
    assert.equal(frames.length, 2);
    assert.deepEqual(others.calls.map((c) => c.state), ["firing"]);
    assert.deepEqual(late, [], "a handler registered during delivery waits for the next transition");
    assert.equal(cache.get("kept"), 1);
    assert.equal(cache.getStats().errors.by_type.alert_handler, 0, "nothing failed");
    traffic(cache, 0, 40);
    await cache.flushTelemetry();
    assert.deepEqual(late, ["resolved"]);
    await Promise.all(nested);
    cache.close();
  });

  test("callbacks that flush on every frame cannot loop", async () => {
    const cache = new CacheManager(MISS_RULE);
    const frames = [];
    const pending = [];
    cache.onMetrics((f) => {
      frames.push(f.seq);
      pending.push(cache.flushTelemetry());
    });
    cache.registerAlertHandler(() => pending.push(cache.flushTelemetry()));
    traffic(cache, 40, 0);
    await cache.flushTelemetry();
    await Promise.all(pending);
    await sleep(50);
    await Promise.all(pending);
    assert.deepEqual(frames, [1, 2], "one follow-up frame, then the follow-up's own flushes resolve to it");
    const seqs = (await Promise.all(pending)).map((f) => f.seq);
    assert.deepEqual(seqs, [2, 2, 2]);
    // The cache is intact and keeps building frames.
    assert.equal((await cache.flushTelemetry()).seq, 3);
    cache.close();
  });

  test("a handler that frees the cache does not make the delivery throw", async () => {
    const cache = new CacheManager(MISS_RULE);
    cache.registerAlertHandler(() => cache.free());
    const after = recorder(cache);
    cache.registerAlertHandler(() => {
      throw new Error("counted into nothing");
    });
    traffic(cache, 30, 0);
    const f = await cache.flushTelemetry();
    assert.equal(f.alerts.length, 1);
    assert.equal(after.calls.length, 1, "later handlers still run");
  });

  test("timers deliver alerts with no flush", async () => {
    const cache = new CacheManager({ ...MISS_RULE, telemetryInterval: 0.05 });
    const { calls } = recorder(cache);
    traffic(cache, 50, 0);
    await until(() => calls.length > 0, "a timer-built alert");
    cache.close();
    assert.equal(calls[0].type, "high_miss_rate");
    assert.equal(calls[0].state, "firing");
  });

  test("alert options: defaults, aliases, validation naming the option", () => {
    const c = new CacheConfig(QUIET);
    assert.equal(c.alertMinSamples, 20);
    assert.equal(c.alertCooldown, 300);
    assert.equal(c.alertHysteresis, 0.1);
    assert.equal(c.highLatencyPercentile, 95);
    const snake = new CacheConfig({
      enable_telemetry: true,
      alert_on_high_latency: true,
      high_latency_percentile: 99.9,
      alert_min_samples: 1,
      alert_cooldown: 0,
      alert_hysteresis: 0,
    });
    assert.equal(snake.highLatencyPercentile, 99.9);
    assert.equal(snake.alertMinSamples, 1);
    assert.equal(snake.alertCooldown, 0);
    assert.equal(snake.alertHysteresis, 0);
    // A config round-trips into a cache.
    new CacheManager(snake).close();
    for (const [options, name, Err] of [
      [{ ...QUIET, highLatencyPercentile: 100 }, "highLatencyPercentile", RangeError],
      [{ ...QUIET, highLatencyPercentile: 49 }, "highLatencyPercentile", RangeError],
      [{ ...QUIET, alertMinSamples: 0 }, "alertMinSamples", RangeError],
      [{ ...QUIET, alert_min_samples: 1.5 }, "alertMinSamples", RangeError],
      [{ ...QUIET, alertMinSamples: "20" }, "alertMinSamples", TypeError],
      [{ ...QUIET, alertCooldown: -1 }, "alertCooldown", RangeError],
      [{ ...QUIET, alertHysteresis: 1 }, "alertHysteresis", RangeError],
      [{ ...QUIET, alertHysteresis: null }, "alertHysteresis", TypeError],
    ]) {
      assert.throws(
        () => new CacheManager(options),
        (err) => err instanceof Err && err.message.includes(name),
        JSON.stringify(options),
      );
    }
    for (const option of ["alertOnHighMissRate", "alertOnHighLatency", "alert_on_high_latency"]) {
      assert.throws(
        () => new CacheManager({ [option]: true, alertMinSamples: 5 }),
        (err) => err instanceof TypeError && /alertOnHigh(MissRate|Latency)/.test(err.message) && err.message.includes("enableTelemetry"),
        option,
      );
    }
  });
  test("a slow layer fires high_latency for that layer, from its real get timings", async () => {
    // A keyv-style store whose reads take 30 ms: every getAsync that misses memory waits for it.
    const data = new Map();
    const slow = {
      async get(key) {
        await sleep(30);
        return data.get(key);
      },
      async set(key, value) {
        data.set(key, value);
      },
      async delete(key) {
        return data.delete(key);
      },
    };
    const cache = new CacheManager({
      ...QUIET,
      alertOnHighLatency: true,
      highLatencyThreshold: 10,
      alertMinSamples: 5,
      layers: [{ name: "slow-disk", store: slow }],
    });
    const { calls } = recorder(cache);
    for (let i = 0; i < 8; i++) assert.equal(await cache.getAsync(`cold-${i}`), undefined);
    const frame = await cache.flushTelemetry();
    cache.close();
    assertValid(frame);
    const fired = calls.filter((c) => c.type === "high_latency" && c.layer === "slow-disk");
    assert.equal(fired.length, 1, JSON.stringify(calls));
    const [alert] = fired;
    assert.equal(alert.state, "firing");
    assert.equal(alert.op, "get");
    assert.equal(alert.samples, 8);
    assert.equal(alert.threshold, 10);
    assert.ok(alert.value >= 25, `p95 of 30 ms reads, got ${alert.value}`);
    assert.ok(!calls.some((c) => c.layer === "memory" && c.type === "high_latency"), "memory stays quiet");
    assert.equal(frame.window.layers["slow-disk"].misses, 8);
  });
});
