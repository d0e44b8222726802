// The edge example (www/edge) under workerd: an upstream that counts its requests, the Worker
// caching it in memory and KV, a real Prometheus scraping the Worker's /metrics, and the live
// dashboard in Chromium reading the Worker's frames as polled JSON and as server-sent events.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import workerd from "workerd";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { nodeConsumer } from "../support/consumer.mjs";
import { freePort, startProcess } from "../support/process.mjs";

const EDGE = fileURLToPath(new URL("../../www/edge", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../browser/fixtures", import.meta.url));
const PROMETHEUS = "/usr/bin/prometheus";
const WORKERD = workerd.default;

const PATHS = ["/p/a", "/p/b", "/p/c"];
const CONCURRENT = 4; // requests per path while its first load is held at the upstream
const LATER = 5; // requests per path once it is cached
// A test that hangs fails after this long, and the servers are still stopped.
const TEST_TIMEOUT = 90_000;

let upstream;
let worker;
let prometheus;
let tmp;
let browser;
let pages;

/** The upstream: counts requests per path; while held, answers none until released. */
function startUpstream() {
  const hits = new Map();
  let gate = null;
  const routes = {
    "/p/": "public, max-age=300",
    "/short": "public, max-age=1",
    "/nostore": "no-store",
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://upstream").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const n = hits.get(path);
    const cacheControl = Object.entries(routes).find(([prefix]) => path.startsWith(prefix))?.[1];
    if (cacheControl === undefined) {
      res.writeHead(404, { "cache-control": "no-store" }).end();
      return;
    }
    if (gate !== null) await gate.promise;
    res.writeHead(200, { "content-type": "application/json", "cache-control": cacheControl });
    res.end(JSON.stringify({ path, n }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        hits: (path) => hits.get(path) ?? 0,
        hold() {
          let release;
          const promise = new Promise((r) => (release = r));
          gate = { promise, release };
        },
        release() {
          gate?.release();
          gate = null;
        },
        close() {
          this.release();
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

async function startWorker(upstreamUrl) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const server = await startProcess(WORKERD, ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
        cwd: EDGE,
        env: { UPSTREAM_URL: upstreamUrl, FRAME_INTERVAL_S: "1" },
        readyUrl: `http://127.0.0.1:${port}/metrics`,
      });
      return { ...server, base: `http://127.0.0.1:${port}`, port };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startPrometheus(target) {
  const port = await freePort();
  const config = join(tmp, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: edge",
      "    # The Worker labels its samples with its isolate's id: keep that instance label.",
      "    honor_labels: true",
      "    metrics_path: /metrics",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const base = `http://127.0.0.1:${port}`;
  const server = await startProcess(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(tmp, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
    { readyUrl: `${base}/-/ready`, timeout: 60_000 },
  );
  const deadline = Date.now() + 60_000;
  while ((await fetch(`${base}/-/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`prometheus was not ready:\n${server.output()}`);
    await sleep(200);
  }
  return { ...server, base };
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "cache-wasm-edge-"));
  upstream = await startUpstream();
  worker = await startWorker(upstream.url);
  prometheus = await startPrometheus(`127.0.0.1:${worker.port}`);
});

after(async () => {
  await browser?.close().catch(() => {});
  await pages?.close();
  await prometheus?.stop();
  await worker?.stop();
  upstream?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** GETs `path` from the Worker: { status, cache (x-cache), body }. */
async function get(path) {
  const res = await fetch(worker.base + path, { signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${text}\nworkerd output:\n${worker.output()}`);
  return { status: res.status, cache: res.headers.get("x-cache"), body: JSON.parse(text) };
}

/** One sample of the Worker's own /metrics, by name and labels. */
async function workerMetric(name, labels) {
  const res = await fetch(`${worker.base}/metrics`);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  assert.ok(line, `${name} ${JSON.stringify(labels)} in:\n${text}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function until(what, fn, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Prometheus's answer to an instant query: the result vector. */
async function query(q) {
  const res = await fetch(`${prometheus.base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = await res.json();
  assert.equal(body.status, "success", `${q}: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function single(q) {
  const result = await query(q);
  assert.equal(result.length, 1, `${q}: ${JSON.stringify(result)}`);
  return Number(result[0].value[1]);
}

// What the traffic below must add up to, by layer.
const expected = { memory: { hit: 0, miss: 0 }, kv: { hit: 0, miss: 0 }, puts: 0 };

describe("the Worker", () => {
  test("concurrent misses of a path share one upstream request; later requests are memory hits", { timeout: TEST_TIMEOUT }, async () => {
    upstream.hold();
    const inFlight = PATHS.flatMap((p) => Array.from({ length: CONCURRENT }, () => get(p)));
    try {
      // Every request has reached the cache (and missed) before the upstream answers any load.
      await until("every request to miss", async () => (await workerMetric("cache_gets_total", { layer: "memory", result: "miss" })) === PATHS.length * CONCURRENT);
      await until("each path's load to reach the upstream", () => PATHS.every((p) => upstream.hits(p) >= 1));
      await sleep(200);
      assert.deepEqual(PATHS.map((p) => upstream.hits(p)), PATHS.map(() => 1), "one load per path");
    } finally {
      upstream.release();
    }
    const first = await Promise.all(inFlight);
    for (const [i, p] of PATHS.entries()) {
      const answers = first.slice(i * CONCURRENT, (i + 1) * CONCURRENT);
      assert.deepEqual(answers.map((a) => a.body), answers.map(() => ({ path: p, n: 1 })));
      assert.deepEqual(answers.map((a) => a.cache).sort(), ["HIT", "HIT", "HIT", "MISS"], p);
    }
    for (let round = 0; round < LATER; round++) {
      for (const p of PATHS) assert.deepEqual(await get(p), { status: 200, cache: "HIT", body: { path: p, n: 1 } });
    }
    assert.deepEqual(PATHS.map((p) => upstream.hits(p)), PATHS.map(() => 1), "one upstream request per path");
    expected.memory.miss += PATHS.length * CONCURRENT;
    expected.memory.hit += PATHS.length * LATER;
    expected.kv.miss += PATHS.length; // one layer walk per shared load
    expected.puts += PATHS.length;
  });

  test("max-age sets the TTL: after it, the next request goes to the upstream again", { timeout: TEST_TIMEOUT }, async () => {
    assert.equal((await get("/short")).cache, "MISS");
    assert.deepEqual(await get("/short"), { status: 200, cache: "HIT", body: { path: "/short", n: 1 } });
    await sleep(1300);
    assert.deepEqual(await get("/short"), { status: 200, cache: "MISS", body: { path: "/short", n: 2 } });
    assert.equal(upstream.hits("/short"), 2);
    expected.memory.miss += 2;
    expected.memory.hit += 1;
    expected.kv.miss += 2; // the second walk finds the KV record expired by its envelope
    expected.puts += 2;
  });

  test("no-store is never cached nor shared between concurrent requests", { timeout: TEST_TIMEOUT }, async () => {
    for (let i = 1; i <= 3; i++) {
      assert.deepEqual(await get("/nostore"), { status: 200, cache: "PASS", body: { path: "/nostore", n: i } });
    }
    const before = await workerMetric("cache_gets_total", { layer: "memory", result: "miss" });
    upstream.hold();
    const pair = [get("/nostore"), get("/nostore")];
    try {
      await until("both requests to miss", async () => (await workerMetric("cache_gets_total", { layer: "memory", result: "miss" })) === before + 2);
      await until("the load to reach the upstream", () => upstream.hits("/nostore") === 4);
    } finally {
      upstream.release();
    }
    const answers = await Promise.all(pair);
    assert.deepEqual(answers.map((a) => a.cache), ["PASS", "PASS"]);
    assert.deepEqual(answers.map((a) => a.body.n).sort(), [4, 5], "each request had its own upstream answer");
    assert.equal(upstream.hits("/nostore"), 5);
    expected.memory.miss += 5;
    expected.kv.miss += 4; // the second of the pair joined the first's load, and walked no layer
  });
});

describe("Prometheus scraping the Worker", () => {
  test("cache_gets_total and the hit ratio match the traffic exactly", { timeout: TEST_TIMEOUT }, async () => {
    const trafficEnd = Date.now() / 1000;
    await until(
      "a scrape after the traffic",
      async () => {
        const r = await query('max(timestamp(cache_gets_total{job="edge"}))');
        return r.length === 1 && Number(r[0].value[1]) > trafficEnd + 0.05;
      },
      20_000,
    );
    assert.equal(await single('up{job="edge"}'), 1);
    const memoryGets = expected.memory.hit + expected.memory.miss;
    const byResult = await query('sum by (result) (cache_gets_total{job="edge",layer="memory"})');
    const values = Object.fromEntries(byResult.map((r) => [r.metric.result, Number(r.value[1])]));
    console.log(`prometheus: memory gets by result ${JSON.stringify(values)}, expected ${JSON.stringify(expected.memory)}`);
    assert.deepEqual(values, expected.memory);
    assert.equal(await single('sum(cache_gets_total{job="edge",layer="memory"})'), memoryGets);
    const ratio = await single('sum(cache_gets_total{job="edge",layer="memory",result="hit"}) / sum(cache_gets_total{job="edge",layer="memory"})');
    console.log(`prometheus: memory hit ratio ${ratio} (${expected.memory.hit}/${memoryGets})`);
    assert.ok(Math.abs(ratio - expected.memory.hit / memoryGets) < 1e-12, `hit ratio ${ratio}`);
    assert.equal(await single('sum(cache_gets_total{job="edge",layer="kv",result="miss"})'), expected.kv.miss);
    assert.equal(await single('sum(cache_gets_total{job="edge",layer="kv",result="hit"})'), expected.kv.hit);
    assert.equal(await single('sum(cache_puts_total{job="edge"})'), expected.puts);
    // One isolate, one instance label: the same id its frames carry.
    const instances = await query('count by (instance) (cache_gets_total{job="edge"})');
    const frames = await (await fetch(`${worker.base}/frames.json`)).json();
    assert.ok(frames.length > 0);
    assert.deepEqual(instances.map((r) => r.metric.instance), [frames.at(-1).instance]);
  });
});

describe("the live dashboard on the Worker's frames", () => {
  before(async () => {
    const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
    pages = await startServer({ mounts: { "/pkg/": installed, "/fixtures/": FIXTURES } });
    browser = await launchBrowser();
  });

  for (const [kind, path] of [["polled JSON", "/frames.json"], ["server-sent events", "/frames"]]) {
    test(`fills its charts from ${kind} and counts the Worker's gets exactly`, { timeout: TEST_TIMEOUT }, async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const problems = [];
        page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
        page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
        const reads = [];
        page.on("request", (req) => req.url() === worker.base + path && reads.push(req.resourceType()));
        await page.goto(`${pages.url}fixtures/dashboard-url.html?source=${encodeURIComponent(worker.base + path)}`);
        await page.waitForSelector('[data-panel="layers"] tbody tr >> nth=1', { timeout: 20_000 });
        assert.equal(await page.textContent(".cwd-cache-name"), "edge");
        assert.deepEqual(await page.locator('[data-panel="layers"] tbody th').allTextContents(), ["memory", "kv"]);
        const memoryGets = () => page.textContent('[data-panel="layers"] tbody tr >> nth=0 >> td >> nth=0').then(Number);
        const now = await workerMetric("cache_gets_total", { layer: "memory", result: "hit" }) + (await workerMetric("cache_gets_total", { layer: "memory", result: "miss" }));
        await page.waitForFunction((n) => document.querySelector('[data-panel="layers"] tbody tr td')?.textContent === String(n), now, { timeout: 10_000 });
        const throughput = await page.getAttribute('[data-panel="throughput"] path.cwd-line', "d");
        const sent = 20;
        for (let i = 0; i < sent; i++) await get(PATHS[i % PATHS.length]);
        await page.waitForFunction((n) => document.querySelector('[data-panel="layers"] tbody tr td')?.textContent === String(n), now + sent, { timeout: 10_000 });
        assert.equal(await memoryGets(), now + sent);
        await page.waitForFunction((d) => document.querySelector('[data-panel="throughput"] path.cwd-line')?.getAttribute("d") !== d, throughput, { timeout: 10_000 });
        assert.ok(await page.locator('[data-panel="hit-rate"] path.cwd-line').count() > 0, "the hit-rate chart has a line");
        assert.match(await page.textContent(".cwd-status"), /frame #\d+/);
        if (path === "/frames") assert.ok(reads.includes("eventsource"), `read as an event stream: ${reads}`);
        else assert.ok(reads.filter((t) => t === "fetch").length >= 2 && !reads.includes("eventsource"), `polled: ${reads}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
