// Metric export from the packed package: promtool, a real Pushgateway, the StatsD daemon, an HTTP receiver, failing endpoints.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import Ajv2020 from "ajv/dist/2020.js";
import { loadPackage, ROOT } from "../support/consumer.mjs";
import { freePort, startProcess } from "../support/process.mjs";

const schema = JSON.parse(readFileSync(join(ROOT, "cache-wasm", "schema", "frame.schema.json"), "utf8"));
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
const PUSHGATEWAY = "/usr/bin/prometheus-pushgateway";
const STATSD = join(ROOT, "node_modules", "statsd", "stats.js");
const STATSD_BACKEND = join(ROOT, "tests", "support", "statsd-backend.cjs");

function assertValid(frame) {
  assert.ok(validate(frame), `frame does not match the schema: ${JSON.stringify(validate.errors, null, 1)}`);
}

async function until(predicate, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// Samples of a Prometheus text exposition: [{ name, labels, value }].
function parseProm(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

// The value of the one sample of `name` whose labels include `want`.
function sampleOf(samples, name, want = {}) {
  const found = samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `one ${name} ${JSON.stringify(want)} sample, found ${found.length}`);
  return found[0].value;
}

// Some traffic: sets, hits, misses, deletes, a capacity eviction and a bad call.
function traffic(cache, rounds = 1) {
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 6; i++) cache.set(`k${i}`, `value ${i}`);
    for (let i = 0; i < 10; i++) cache.get(`k${i}`);
    cache.delete("k5");
    cache.delete("missing");
  }
  assert.throws(() => cache.get({}), TypeError);
}

// Checks the counters of a Prometheus exposition against getStats().
function assertPromMatchesStats(samples, stats, cache) {
  const l = { cache };
  assert.equal(sampleOf(samples, "cache_gets_total", { ...l, layer: "memory", result: "hit" }), stats.hits);
  assert.equal(sampleOf(samples, "cache_gets_total", { ...l, layer: "memory", result: "miss" }), stats.misses);
  assert.equal(sampleOf(samples, "cache_puts_total", l), stats.sets);
  assert.equal(sampleOf(samples, "cache_deletes_total", l), stats.deletes);
  for (const [cause, n] of Object.entries(stats.evictions.by_cause)) {
    assert.equal(sampleOf(samples, "cache_evictions_total", { ...l, cause }), n, cause);
  }
  for (const [cause, n] of Object.entries(stats.removals.by_cause)) {
    assert.equal(sampleOf(samples, "cache_removals_total", { ...l, cause }), n, cause);
  }
  // Deletes, overwrites and clears are removals only: never an eviction's cause. (A
  // Pushgateway gives samples back in its own order.)
  const causes = (name) => samples.filter((s) => s.name === name && s.labels.cache === cache).map((s) => s.labels.cause).sort();
  assert.deepEqual(causes("cache_evictions_total"), ["bytes", "capacity", "expired"]);
  assert.deepEqual(causes("cache_removals_total"), ["cleared", "deleted", "replaced"]);
  for (const [type, n] of Object.entries(stats.errors.by_type)) {
    assert.equal(sampleOf(samples, "cache_errors_total", { ...l, type }), n, type);
  }
  assert.equal(sampleOf(samples, "cache_size", l), stats.size.entries);
  assert.equal(sampleOf(samples, "cache_bytes", l), stats.size.bytes);
  assert.equal(sampleOf(samples, "cache_max_entries", l), stats.size.max_entries);
}

const memoryStore = () => {
  const m = new Map();
  return { get: async (k) => m.get(k), set: async (k, v) => void m.set(k, v), delete: async (k) => m.delete(k) };
};

describe("export", () => {
  let CacheManager;
  let CacheConfig;
  before(async () => {
    ({ CacheManager, CacheConfig } = await loadPackage("esm"));
  });

  describe("exportMetrics", () => {
    test("the Prometheus text passes promtool check metrics and matches getStats", () => {
      const name = 'web "front"\\ end/1\nx';
      const cache = new CacheManager({
        name,
        maxEntries: 5,
        enableTelemetry: true,
        latencySampleRate: 1,
        layers: [{ name: "disk \"d\"", store: memoryStore() }],
      });
      const plain = new CacheManager({ name: "plain", maxEntries: 5 });
      try {
        traffic(cache, 3);
        traffic(plain);
        // A clear and an overwrite, so that every explicit cause has a count.
        for (const c of [cache, plain]) {
          c.clear();
          c.set("k0", "again").set("k0", "over");
        }
        const stats = cache.getStats();
        assert.deepEqual(Object.values(stats.removals.by_cause).map((n) => n > 0), [true, true, true]);
        assert.equal(stats.evictions.total, stats.evictions.by_cause.capacity, "no explicit removal is an eviction");
        for (const [c, n, histograms] of [
          [cache, name, true],
          [plain, "plain", false],
        ]) {
          const text = c.exportMetrics("prometheus");
          const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
          assert.equal(check.error, undefined, "promtool runs");
          assert.equal(check.stdout + check.stderr, "", `promtool reports nothing:\n${text}`);
          assert.equal(check.status, 0);
          const samples = parseProm(text);
          assertPromMatchesStats(samples, c.getStats(), n);
          const counts = samples.filter((s) => s.name === "cache_operation_duration_seconds_count");
          assert.equal(counts.length, histograms ? 6 : 0, "a histogram per layer and operation while latency is collected");
          if (histograms) {
            const stats = c.getStats();
            const gets = sampleOf(samples, "cache_operation_duration_seconds_count", { layer: "memory", op: "get" });
            assert.equal(gets, stats.latency.get.count, "every get was timed");
            const inf = sampleOf(samples, "cache_operation_duration_seconds_bucket", { layer: "memory", op: "get", le: "+Inf" });
            assert.equal(inf, gets);
            assert.equal(sampleOf(samples, "cache_gets_total", { layer: 'disk "d"', result: "hit" }), 0);
          }
          assert.ok(!text.includes("k1"), "keys never appear in exports");
        }
      } finally {
        cache.free();
        plain.free();
      }
    });

    test("StatsD text carries deltas since the previous StatsD export, in well-formed lines", () => {
      const cache = new CacheManager({ name: "orders:eu|x", maxEntries: 5 });
      try {
        traffic(cache);
        const first = cache.exportMetrics("statsd");
        const lines = first.trim().split("\n");
        for (const line of lines) {
          assert.match(line, /^[A-Za-z0-9_.-]+:[0-9.]+\|[cg]$/, line);
        }
        const stats = cache.getStats();
        assert.ok(lines.includes(`cache.orders_eu_x.gets.memory.hit:${stats.hits}|c`), first);
        assert.ok(lines.includes(`cache.orders_eu_x.puts:${stats.sets}|c`), first);
        assert.ok(lines.includes(`cache.orders_eu_x.size:${stats.size.entries}|g`), first);
        cache.get("k4");
        const second = cache.exportMetrics("statsd").trim().split("\n");
        assert.ok(second.includes("cache.orders_eu_x.gets.memory.hit:1|c"), second.join("\n"));
        assert.ok(!second.some((l) => l.includes(".puts:")), "no new sets, no puts line");
      } finally {
        cache.free();
      }
    });

    test("the JSON export is a frame that validates and leaves the frame sequence alone", async () => {
      const cache = new CacheManager({ name: "json", enableTelemetry: true, telemetryInterval: 3600 });
      try {
        traffic(cache);
        const preview = JSON.parse(cache.exportMetrics("json"));
        assertValid(preview);
        assert.equal(preview.seq, 1);
        assert.equal(preview.totals.gets, cache.getStats().gets);
        const frame = await cache.flushTelemetry();
        assert.equal(frame.seq, 1, "the preview did not use up a frame");
        assert.equal(frame.window.gets, preview.window.gets);
      } finally {
        cache.free();
      }
    });

    test("a bad format throws, names exportMetrics and counts as bad input", () => {
      const cache = new CacheManager();
      try {
        assert.throws(() => cache.exportMetrics("xml"), (e) => e instanceof RangeError && /exportMetrics/.test(e.message));
        assert.throws(() => cache.exportMetrics(42), (e) => e instanceof TypeError && /exportMetrics/.test(e.message));
        assert.equal(cache.getStats().errors.by_type.bad_input, 2);
        assert.match(cache.exportMetrics(), /^# HELP cache_gets_total/, "the default is telemetryExportFormat");
        assert.equal(cache.exportStatus(), null, "no exporter without telemetryExport");
      } finally {
        cache.free();
      }
    });

    test("endpoints are checked at construction and named in the error", () => {
      const base = { enableTelemetry: true, telemetryExport: true };
      for (const [options, kind] of [
        [base, TypeError],
        [{ ...base, telemetryExportFormat: "json", telemetryExportEndpoint: "udp://127.0.0.1:8125" }, RangeError],
        [{ ...base, telemetryExportEndpoint: "127.0.0.1" }, RangeError],
        [{ ...base, telemetryExportFormat: "statsd", telemetryExportEndpoint: "127.0.0.1:8125?flavor=x" }, RangeError],
      ]) {
        for (const make of [() => new CacheManager(options), () => new CacheConfig(options)]) {
          assert.throws(make, (e) => e instanceof kind && e.message.includes("telemetryExportEndpoint"), JSON.stringify(options));
        }
      }
    });
  });

  describe("Pushgateway", () => {
    let gateway;
    let base;
    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      // Debian's build persists to a shared file by default; an empty path keeps metrics in memory.
      gateway = await startProcess(PUSHGATEWAY, [`--web.listen-address=127.0.0.1:${port}`, "--persistence.file="], { readyUrl: `${base}/-/ready` });
    });
    after(async () => {
      await gateway?.stop();
    });

    test("pushed series read back from the gateway match getStats, grouped by job and instance", async () => {
      const name = "team/orders";
      const cache = new CacheManager({
        name,
        maxEntries: 5,
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportEndpoint: base.slice("http://".length),
      });
      try {
        traffic(cache, 2);
        await cache.flushTelemetry();
        const status = cache.exportStatus();
        assert.equal(status.sent, 1, JSON.stringify(status));
        const stats = cache.getStats();
        const text = await (await fetch(`${base}/metrics`)).text();
        const samples = parseProm(text).filter((s) => s.labels.job === name);
        assert.ok(samples.length > 0, `the gateway holds the job "${name}":\n${gateway.output()}`);
        const instances = new Set(samples.map((s) => s.labels.instance));
        assert.equal(instances.size, 1, "one instance label");
        assertPromMatchesStats(samples, stats, name);
        // A second push replaces the group with newer totals.
        cache.get("k4");
        await cache.flushTelemetry();
        const again = parseProm(await (await fetch(`${base}/metrics`)).text()).filter((s) => s.labels.job === name);
        assert.equal(sampleOf(again, "cache_gets_total", { layer: "memory", result: "hit" }), stats.hits + 1);
        assert.equal(cache.getStats().errors.by_type.export, 0);
      } finally {
        cache.close();
        cache.free();
      }
    });

    test("two live caches of one name push to separate groups", async () => {
      const name = "twins";
      const options = {
        name,
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportEndpoint: base.slice("http://".length),
      };
      const caches = [new CacheManager(options), new CacheManager(options)];
      try {
        traffic(caches[0], 1);
        traffic(caches[1], 3);
        const frames = [];
        for (const cache of caches) frames.push(await cache.flushTelemetry());
        assert.notEqual(frames[0].instance, frames[1].instance);
        const samples = parseProm(await (await fetch(`${base}/metrics`)).text()).filter((s) => s.labels.job === name);
        for (const [i, cache] of caches.entries()) {
          assert.equal(cache.exportStatus().sent, 1);
          const own = samples.filter((s) => s.labels.instance === frames[i].instance);
          assert.ok(own.length > 0, `the gateway holds the group of instance ${frames[i].instance}`);
          assertPromMatchesStats(own, cache.getStats(), name);
        }
      } finally {
        for (const cache of caches) cache.free();
      }
    });
  });

  describe("StatsD daemon", () => {
    let daemon;
    let port;
    let dir;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "cache-wasm-statsd-"));
      port = await freePort();
      const config = {
        address: "127.0.0.1",
        port,
        mgmt_address: "127.0.0.1",
        mgmt_port: await freePort(),
        flushInterval: 100,
        deleteIdleStats: true,
        dumpMessages: true,
        backends: [STATSD_BACKEND],
      };
      const file = join(dir, "config.js");
      writeFileSync(file, JSON.stringify(config, null, 2));
      daemon = await startProcess(process.execPath, [STATSD, file], { readyText: "server is up" });
    });
    after(async () => {
      await daemon?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // Counters summed over every flush of the daemon so far, and the latest gauges.
    function received() {
      const counters = {};
      const gauges = {};
      for (const line of daemon.output().split("\n")) {
        if (!line.startsWith("FLUSH ")) continue;
        const flush = JSON.parse(line.slice("FLUSH ".length));
        for (const [k, v] of Object.entries(flush.counters)) counters[k] = (counters[k] ?? 0) + v;
        Object.assign(gauges, flush.gauges);
      }
      return { counters, gauges };
    }

    // A cache of 5 entries that pushes StatsD lines to the daemon only when flushed.
    function pushingCache(name) {
      return new CacheManager({
        name,
        maxEntries: 5,
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportFormat: "statsd",
        telemetryExportEndpoint: `127.0.0.1:${port}`,
      });
    }

    // The StatsD counters of cache `name` that must add up to its counts in `stats`.
    function wantedCounters(name, stats) {
      return {
        [`cache.${name}.gets.memory.hit`]: stats.hits,
        [`cache.${name}.gets.memory.miss`]: stats.misses,
        [`cache.${name}.puts`]: stats.sets,
        [`cache.${name}.deletes`]: stats.deletes,
        [`cache.${name}.evictions.capacity`]: stats.evictions.by_cause.capacity,
        [`cache.${name}.errors.bad_input`]: stats.errors.by_type.bad_input,
      };
    }

    test("counters the daemon receives over UDP add up to the cache's counts", async () => {
      const cache = pushingCache("orders");
      try {
        traffic(cache);
        await cache.flushTelemetry();
        traffic(cache, 2);
        cache.clear();
        await cache.flushTelemetry();
        const stats = cache.getStats();
        const want = {
          ...wantedCounters("orders", stats),
          "cache.orders.removals.deleted": stats.removals.by_cause.deleted,
          "cache.orders.removals.replaced": stats.removals.by_cause.replaced,
          "cache.orders.removals.cleared": stats.removals.by_cause.cleared,
        };
        assert.ok(Object.values(want).every((n) => n > 0), JSON.stringify(want));
        const matches = () => {
          const { counters } = received();
          return Object.entries(want).every(([k, v]) => counters[k] === v);
        };
        await until(matches, "the daemon's counters to match").catch((err) => {
          assert.deepEqual(
            Object.fromEntries(Object.keys(want).map((k) => [k, received().counters[k]])),
            want,
            `${err.message}; daemon output:\n${daemon.output()}`,
          );
        });
        const { counters, gauges } = received();
        assert.equal(gauges["cache.orders.size"], stats.size.entries);
        assert.equal(gauges["cache.orders.max_entries"], 5);
        assert.equal(counters["statsd.bad_lines_seen"] ?? 0, 0, "every line was well formed");
        for (const cause of ["deleted", "replaced", "cleared"]) {
          assert.equal(counters[`cache.orders.evictions.${cause}`], undefined, `${cause} is not an eviction`);
        }
        assert.equal(cache.exportStatus().sent, 2);
      } finally {
        cache.close();
        cache.free();
      }
    });

    test("exportMetrics(\"statsd\") and the pushes each send every change since their own previous export", async () => {
      const cache = pushingCache("manual");
      try {
        // Exports by hand between the pushes, and after the last one.
        const texts = [];
        for (let i = 0; i < 10; i++) cache.get(`absent ${i}`);
        texts.push(cache.exportMetrics("statsd"));
        await cache.flushTelemetry();
        traffic(cache);
        await cache.flushTelemetry();
        texts.push(cache.exportMetrics("statsd"));
        assert.ok(texts[0].split("\n").includes("cache.manual.gets.memory.miss:10|c"), texts[0]);
        const stats = cache.getStats();
        const want = wantedCounters("manual", stats);
        const pushed = () => {
          const { counters } = received();
          return Object.fromEntries(Object.keys(want).map((k) => [k, counters[k]]));
        };
        await until(() => Object.entries(pushed()).every(([k, v]) => want[k] === v), "the daemon's counters to match").catch((err) => {
          assert.deepEqual(pushed(), want, `${err.message}; daemon output:\n${daemon.output()}`);
        });
        const manual = {};
        for (const line of texts.join("").split("\n")) {
          const m = /^([^:]+):(\d+)\|c$/.exec(line);
          if (m) manual[m[1]] = (manual[m[1]] ?? 0) + Number(m[2]);
        }
        assert.deepEqual(
          Object.fromEntries(Object.keys(want).map((k) => [k, manual[k]])),
          want,
          `the exports by hand add up to the cache's counts:\n${texts.join("--\n")}`,
        );
        assert.equal(cache.exportStatus().sent, 2);
      } finally {
        cache.close();
        cache.free();
      }
    });

    test("DogStatsD tags from the endpoint reach the daemon as tags", async () => {
      const cache = new CacheManager({
        name: "dog",
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportFormat: "statsd",
        telemetryExportEndpoint: `udp://127.0.0.1:${port}?tags=env:prod`,
      });
      try {
        traffic(cache);
        await cache.flushTelemetry();
        const hits = cache.getStats().hits;
        const key = "cache.gets;cache=dog;layer=memory;result=hit;env=prod";
        await until(() => received().counters[key] === hits, `${key} = ${hits}`).catch((err) => {
          throw new Error(`${err.message}; daemon output:\n${daemon.output()}`);
        });
      } finally {
        cache.close();
        cache.free();
      }
    });
  });

  describe("HTTP receivers and failing endpoints", () => {
    // A node:http server on a loopback port; `handler(req, body, res)` answers.
    async function httpServer(handler) {
      const requests = [];
      const sockets = new Set();
      const server = createServer((req, res) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          const r = { method: req.method, url: req.url, headers: req.headers, body, closed: false };
          req.socket.on("close", () => (r.closed = true));
          requests.push(r);
          handler(req, body, res);
        });
      });
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
      return {
        requests,
        sockets,
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(resolve);
          }),
      };
    }

    test("JSON frames POSTed to an HTTP endpoint validate against the schema", async () => {
      const server = await httpServer((_req, _body, res) => res.writeHead(204).end());
      const cache = new CacheManager({
        name: "frames",
        enableTelemetry: true,
        telemetryInterval: 0.05,
        telemetryExport: true,
        telemetryExportFormat: "json",
        telemetryExportEndpoint: `${server.url}/frames`,
      });
      try {
        traffic(cache);
        await until(() => server.requests.length >= 3, "three frames");
        cache.close();
        for (const r of server.requests) {
          assert.equal(r.method, "POST");
          assert.equal(r.url, "/frames");
          assert.equal(r.headers["content-type"], "application/json");
          const frame = JSON.parse(r.body);
          assertValid(frame);
          assert.equal(frame.cache, "frames");
        }
        const frames = server.requests.map((r) => JSON.parse(r.body));
        const seqs = frames.map((f) => f.seq);
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "frames arrive in order, none lost");
        assert.equal(frames.at(-1).totals.gets, cache.getStats().gets);
        assert.equal(cache.getStats().errors.by_type.export, 0);
      } finally {
        cache.free();
        await server.close();
      }
    });

    test("StatsD lines POSTed to an http:// endpoint", async () => {
      const server = await httpServer((_req, _body, res) => res.writeHead(200).end("ok"));
      const cache = new CacheManager({
        name: "lines",
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportFormat: "statsd",
        telemetryExportEndpoint: `${server.url}/statsd?tags=env:test`,
      });
      try {
        traffic(cache);
        await cache.flushTelemetry();
        assert.equal(server.requests.length, 1);
        const [r] = server.requests;
        assert.equal(r.method, "POST");
        assert.ok(r.body.split("\n").includes(`cache.puts:${cache.getStats().sets}|c|#cache:lines,env:test`), r.body);
      } finally {
        cache.close();
        cache.free();
        await server.close();
      }
    });

    test("an endpoint that never answers: the cache keeps serving, the queue stays bounded, close() ends the wait", async () => {
      const server = await httpServer(() => {
        // Never answers.
      });
      // A 10 s interval gives sends a 10 s timeout: only close() can end the first one sooner.
      const cache = new CacheManager({
        name: "stuck",
        enableTelemetry: true,
        telemetryInterval: 10,
        telemetryExport: true,
        telemetryExportFormat: "json",
        telemetryExportEndpoint: server.url,
      });
      try {
        const flushes = [];
        for (let i = 0; i < 12; i++) {
          flushes.push(cache.flushTelemetry());
          cache.set(`k${i}`, i);
          assert.equal(cache.get(`k${i}`), i, "the cache keeps serving");
          const s = cache.exportStatus();
          assert.ok(s.queued <= s.maxQueue, `queue bounded: ${JSON.stringify(s)}`);
        }
        const status = cache.exportStatus();
        assert.deepEqual(
          [status.inFlight, status.queued, status.dropped, status.sent, status.failed],
          [true, status.maxQueue, 12 - 1 - status.maxQueue, 0, 0],
          JSON.stringify(status),
        );
        assert.equal(cache.getStats().errors.by_type.export, status.dropped, "every dropped frame is counted");
        await until(() => server.requests.length === 1, "the first request to arrive");
        cache.close();
        await Promise.all(flushes);
        const closed = cache.exportStatus();
        assert.equal(closed.queued, 0);
        assert.equal(closed.closed, true);
        await until(() => server.requests.every((r) => r.closed), "close() to abort the pending request", 3_000);
        await until(() => !cache.exportStatus().inFlight, "the send to end", 3_000);
        assert.equal(cache.exportStatus().cancelled, status.maxQueue + 1, "the queued frames and the one in flight");
        const errors = cache.getStats().errors.by_type.export;
        await sleep(200);
        assert.equal(cache.getStats().errors.by_type.export, errors, "nothing is counted after close");
        assert.equal(server.requests.length, 1, "one request at a time, none after close");
      } finally {
        cache.close();
        cache.free();
        await server.close();
      }
    });

    test("a redirect is a failed send, never followed: no frame turns into a GET without its body", async () => {
      for (const [status, format] of [
        [301, "json"],
        [302, "json"],
        [303, "statsd"],
        [307, "json"],
        [308, "prometheus"],
      ]) {
        const server = await httpServer((req, _body, res) => {
          if (req.url.startsWith("/moved")) res.writeHead(204).end();
          else res.writeHead(status, { location: "/moved" }).end();
        });
        const cache = new CacheManager({
          name: "redirected",
          enableTelemetry: true,
          telemetryInterval: 3600,
          telemetryExport: true,
          telemetryExportFormat: format,
          telemetryExportEndpoint: `${server.url}/push`,
        });
        try {
          traffic(cache);
          await cache.flushTelemetry();
          const what = `${status} to a ${format} push`;
          assert.deepEqual(
            server.requests.map((r) => r.url.split("/")[1]),
            ["push"],
            `${what}: one request, to the endpoint; nothing sent where the redirect leads`,
          );
          assert.ok(server.requests[0].body.length > 0);
          const s = cache.exportStatus();
          assert.deepEqual([s.sent, s.failed, s.retries], [0, 1, 0], `${what}: ${JSON.stringify(s)}`);
          assert.ok(s.lastError.includes(`answered ${status}`) && s.lastError.includes("/moved"), s.lastError);
          assert.equal(cache.getStats().errors.by_type.export, 1, what);
        } finally {
          cache.close();
          cache.free();
          await server.close();
        }
      }
    });

    test("close() during a retry's backoff: retries counts only the retries made", async () => {
      const server = await httpServer((_req, _body, res) => res.writeHead(503).end());
      const cache = new CacheManager({
        name: "backoff",
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportFormat: "json",
        telemetryExportEndpoint: server.url,
      });
      try {
        const flush = cache.flushTelemetry();
        // The first retry has failed too; the second waits out its 500 ms backoff.
        await until(() => server.requests.length === 2, "the first retry");
        await sleep(150);
        assert.equal(cache.exportStatus().retries, 1, JSON.stringify(cache.exportStatus()));
        cache.close();
        await flush;
        const s = cache.exportStatus();
        assert.equal(server.requests.length, 2, "no request after close");
        assert.deepEqual([s.retries, s.cancelled, s.failed, s.inFlight], [1, 1, 0, false], JSON.stringify(s));
        assert.equal(cache.getStats().errors.by_type.export, 0, "a cancelled payload is not lost to an error");
      } finally {
        cache.free();
        await server.close();
      }
    });

    test("a closed port: sends fail after capped retries and are counted, nothing throws", async () => {
      const port = await freePort();
      const cache = new CacheManager({
        name: "refused",
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportEndpoint: `127.0.0.1:${port}`,
      });
      try {
        traffic(cache);
        const frame = await cache.flushTelemetry();
        assert.equal(frame.seq, 1, "flushTelemetry resolves to the frame even when the push fails");
        const status = cache.exportStatus();
        assert.deepEqual(
          [status.sent, status.failed, status.retries, status.queued, status.inFlight],
          [0, 1, 2, 0, false],
          JSON.stringify(status),
        );
        assert.equal(cache.getStats().errors.by_type.export, 1);
        assert.equal(cache.get("k4"), "value 4", "the cache still serves");
      } finally {
        cache.close();
        cache.free();
      }
    });

    test("close() during a UDP push settles the push as cancelled", async () => {
      const receiver = createSocket("udp4");
      await new Promise((resolve) => receiver.bind(0, "127.0.0.1", resolve));
      const port = receiver.address().port;
      try {
        // A host name: the send waits for its lookup, and close() comes first.
        const cache = new CacheManager({
          name: "closing",
          enableTelemetry: true,
          telemetryInterval: 3600,
          telemetryExport: true,
          telemetryExportFormat: "statsd",
          telemetryExportEndpoint: `localhost:${port}`,
        });
        traffic(cache);
        const flush = cache.flushTelemetry();
        cache.close();
        // The timer is cancelled once the race is decided, so that it keeps nothing waiting.
        const timer = new AbortController();
        const pending = sleep(2_000, "pending", { signal: timer.signal }).catch(() => "cancelled");
        const outcome = await Promise.race([flush.then(() => "settled"), pending]);
        timer.abort();
        assert.equal(outcome, "settled");
        const status = cache.exportStatus();
        assert.deepEqual([status.inFlight, status.cancelled, status.failed], [false, 1, 0], JSON.stringify(status));
        cache.free();
      } finally {
        receiver.close();
      }
    });

    test("a UDP endpoint nobody listens on never throws into the caller", async () => {
      const probe = createSocket("udp4");
      await new Promise((resolve) => probe.bind(0, "127.0.0.1", resolve));
      const port = probe.address().port;
      probe.close();
      const cache = new CacheManager({
        name: "void",
        enableTelemetry: true,
        telemetryInterval: 3600,
        telemetryExport: true,
        telemetryExportFormat: "statsd",
        telemetryExportEndpoint: `udp://127.0.0.1:${port}`,
      });
      try {
        traffic(cache);
        await cache.flushTelemetry();
        await cache.flushTelemetry();
        const status = cache.exportStatus();
        assert.equal(status.sent + status.failed, 2, JSON.stringify(status));
        assert.equal(status.transport, "udp");
      } finally {
        cache.close();
        cache.free();
      }
    });
  });
});
