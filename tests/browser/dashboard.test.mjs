// The live dashboard and the HTML report in Chromium: the demo, alerts, BroadcastChannel and
// URL sources, the report's policy, hostile strings, and screenshots of the demo.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser, runPage } from "../support/browser.mjs";
import { ARTIFACTS, nodeConsumer } from "../support/consumer.mjs";

const WWW = fileURLToPath(new URL("../../www", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const PAYLOAD = "<img src=x onerror=alert(1)></script><script>window.__pwned=1</script>";

let browser;
let server;
let frames;

// Serves hand-made frames: /frames.json (polled), /frames.sse (an event stream) and
// /frames.flaky (an event stream that ends and then refuses one reconnection).
function frameServer() {
  let flaky = 0;
  let flakySeq = 0;
  const frame = (seq, alerts) => ({
    schema: "cache-wasm/frame@1",
    seq,
    ts_ms: 1_700_000_000_000 + seq * 1000,
    cache: PAYLOAD,
    instance: "fixture",
    interval_s: 1,
    totals: {
      period: "all", gets: 10 * seq, hits: 4 * seq, misses: 6 * seq, sets: seq, deletes: 0, hit_rate: 40, miss_rate: 60,
      latency: { get: null, set: null, delete: null },
      size: { entries: 3, bytes: 30, max_entries: 10, max_bytes: 0 },
      evictions: { total: 1, by_cause: { capacity: 1, [PAYLOAD]: 0 } },
      removals: { total: 0, by_cause: { deleted: 0, [PAYLOAD]: 0 } },
      errors: { total: 0, by_type: { layer: 0 } },
      ttl: { expired: 0, expired_unread: 0, entries_with_ttl: 0, mean_ttl_ms: 0, mean_remaining_ttl_at_hit_ms: 0 },
      layers: { memory: { gets: 10, hits: 4, misses: 6, hit_rate: 40 }, [PAYLOAD]: { gets: 1, hits: 0, misses: 1, hit_rate: 0 } },
      alerts: alerts.map((a) => ({ ...a, since_ms: a.at_ms })),
    },
    window: {
      period: "interval", gets: 10, hits: 4, misses: 6, sets: 1, size: { entries: 3, max_entries: 10 },
      evictions: { total: 2, by_cause: { capacity: 1, [PAYLOAD]: 1 } },
      removals: { total: 2, by_cause: { deleted: 1, [PAYLOAD]: 1 } },
    },
    alerts,
  });
  const alert = { type: "high_miss_rate", state: "firing", value: 0.6, threshold: 0.5, window_s: 1, samples: 10, op: "get", layer: PAYLOAD, at_ms: 1_700_000_001_000 };
  const srv = createServer((req, res) => {
    const headers = { "access-control-allow-origin": "*", "cache-control": "no-store" };
    if (req.url.startsWith("/frames.json")) {
      res.writeHead(200, { ...headers, "content-type": "application/json" });
      // The same frames on every poll: each alert must reach onAlert once.
      res.end(JSON.stringify([frame(1, [alert]), frame(2, [])]));
    } else if (req.url.startsWith("/frames.sse")) {
      res.writeHead(200, { ...headers, "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify(frame(1, [alert]))}\n\n`);
      let seq = 1;
      const t = setInterval(() => res.write(`data: ${JSON.stringify(frame(++seq, []))}\n\n`), 300);
      req.on("close", () => clearInterval(t));
    } else if (req.url.startsWith("/frames.flaky")) {
      // The probe and the first stream get frames; the stream ends after two, the browser's
      // reconnection gets HTTP 503 (so the browser gives up), and later connections stream.
      const n = ++flaky;
      if (n === 3) {
        res.writeHead(503, headers).end("busy");
        return;
      }
      res.writeHead(200, { ...headers, "content-type": "text/event-stream" });
      res.write("retry: 200\n\n");
      let sent = 0;
      const t = setInterval(() => {
        res.write(`data: ${JSON.stringify(frame(++flakySeq, []))}\n\n`);
        if (++sent >= 2 && n <= 2) {
          clearInterval(t);
          res.end();
        }
      }, 300);
      req.on("close", () => clearInterval(t));
    } else {
      res.writeHead(404, headers).end();
    }
  });
  return new Promise((ok) => srv.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${srv.address().port}`, flaky: () => flaky, close: () => { srv.closeAllConnections(); srv.close(); } })));
}

before(async () => {
  const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
  server = await startServer({ mounts: { "/": WWW, "/pkg/": installed, "/fixtures/": FIXTURES } });
  frames = await frameServer();
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  frames?.close();
});

// A page whose errors, dialogs and policy violations are collected.
async function openPage(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective));
  });
  if (url) await page.goto(url);
  return { page, problems };
}

const pathOf = (page, panel) => page.getAttribute(`[data-panel="${panel}"] path.cwd-line`, "d");

describe("the package", () => {
  test("ships the dashboard as its own entry, and importing cache-wasm alone never loads it", async () => {
    const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    assert.deepEqual(manifest.exports["./dashboard"], { types: "./dashboard.d.ts", default: "./dashboard.js" });
    for (const f of ["dashboard.js", "dashboard.d.ts", "dashboard/dashboard_yew.js", "dashboard/dashboard_yew_bg.wasm", "dashboard/dashboard.css"]) {
      assert.ok(existsSync(join(installed, f)), `${f} is installed`);
    }
    const { status, errors, requests } = await runPage(browser, server.url + "fixtures/import-map.html");
    assert.equal(status, "ok");
    assert.deepEqual(errors, []);
    assert.ok(requests.some((r) => r.endsWith("/cache_wasm_bg.wasm")), "the cache's module is loaded");
    assert.deepEqual(requests.filter((r) => /dashboard/.test(r)), [], "nothing of the dashboard is");
  });
});

describe("the demo", () => {
  test("loads, frames arrive and the charts change; screenshots at desktop and phone widths", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, problems } = await openPage(context, server.url);
      await page.waitForSelector('[data-panel="hit-rate"] path.cwd-line', { timeout: 20_000 });
      await page.waitForFunction(() => /frame #[3-9]|frame #\d\d/.test(document.querySelector(".cwd-status")?.textContent ?? ""), null, { timeout: 20_000 });
      const before = await pathOf(page, "throughput");
      await page.waitForFunction((d) => document.querySelector('[data-panel="throughput"] path.cwd-line')?.getAttribute("d") !== d, before, { timeout: 10_000 });
      assert.match(await page.textContent(".cwd-cache-name"), /^demo$/);
      assert.ok(Number((await page.textContent('[data-figure="gets"] .cwd-tile-value')).replace(/\D/g, "")) > 0);
      assert.equal(await page.locator('[data-panel="latency"] figure').count(), 3, "get, set and delete latency");
      assert.equal(await page.locator('[data-panel="layers"] tbody tr').count(), 1);
      // The period switch and pause are buttons that work from the keyboard.
      await page.focus(".cwd-period >> nth=1");
      await page.keyboard.press("Enter");
      assert.equal(await page.getAttribute(".cwd-period >> nth=1", "aria-pressed"), "true");
      await page.click(".cwd-period >> nth=0");
      await page.click(".cwd-pause");
      const frozen = await pathOf(page, "throughput");
      await page.waitForTimeout(2200);
      assert.equal(await pathOf(page, "throughput"), frozen, "paused charts hold still");
      assert.match(await page.textContent(".cwd-pause"), /Resume \+\d/);
      await page.click(".cwd-pause");
      await page.waitForSelector(".cwd-tiles", { timeout: 5000 });
      await page.waitForTimeout(1500);
      await page.screenshot({ path: join(ARTIFACTS, "demo-desktop.png"), fullPage: false });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(ARTIFACTS, "demo-phone.png"), fullPage: false });
      await page.locator("#dashboard").screenshot({ path: join(ARTIFACTS, "demo-phone-dashboard.png") });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling at phone width (${overflow}px too wide)`);
      // Clear empties the dashboard until the next frame.
      await page.click(".cwd-clear");
      assert.equal(await page.locator(".cwd-tiles").count(), 0);
      await page.waitForSelector(".cwd-tiles", { timeout: 5000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("screen readers hear the connection state when it changes, not every frame", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await openPage(context, server.url);
      await page.waitForFunction(() => /frame #\d+/.test(document.querySelector(".cwd-status-text")?.textContent ?? ""), null, { timeout: 20_000 });
      // Every text the dashboard's live regions held over four frames.
      const heard = await page.evaluate(
        () =>
          new Promise((done) => {
            const regions = [...document.querySelectorAll('#dashboard [aria-live]:not([aria-live="off"]), #dashboard [role="status"], #dashboard [role="alert"]')];
            const said = regions.map((r) => [r.textContent]);
            const observer = new MutationObserver(() =>
              regions.forEach((r, i) => said[i].at(-1) !== r.textContent && said[i].push(r.textContent)),
            );
            for (const r of regions) observer.observe(r, { subtree: true, childList: true, characterData: true });
            setTimeout(() => {
              observer.disconnect();
              done(said);
            }, 4200);
          }),
      );
      assert.ok(heard.length > 0, "the connection state is in a live region");
      for (const texts of heard) assert.equal(texts.length, 1, `a live region changed with each frame: ${JSON.stringify(texts)}`);
      assert.match(heard.flat().join(" "), /Live/);
      // The line on screen still says which frame is shown.
      assert.match(await page.textContent(".cwd-status-text"), /^Live: frame #\d+ at \d\d:\d\d:\d\d UTC, every 1\.0 s\.$/);
      // Pausing the view is announced once.
      await page.click(".cwd-pause");
      await page.waitForFunction(() => [...document.querySelectorAll('#dashboard [role="status"]')].some((r) => /Paused/.test(r.textContent)), null, { timeout: 2000 });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a miss storm fires onAlert once, with the alert's type and details, and the panel shows it", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await openPage(context, server.url);
      await page.waitForSelector(".cwd-tiles", { timeout: 20_000 });
      await page.evaluate(() => {
        window.fromCache = [];
        window.demo.cache.registerAlertHandler((type, details) => window.fromCache.push({ type, details }));
      });
      await page.click("#storm");
      await page.waitForFunction(() => window.demo.alerts.some((a) => a.type === "high_miss_rate" && a.details.state === "firing"), null, { timeout: 15_000 });
      const { type, details } = await page.evaluate(() => window.demo.alerts.find((a) => a.details.state === "firing"));
      assert.equal(type, "high_miss_rate");
      assert.equal(details.state, "firing");
      assert.equal(details.threshold, 0.5);
      assert.ok(details.value > 0.5 && details.value <= 1, `value ${details.value}`);
      assert.equal(details.op, "get");
      assert.equal(details.layer, "memory");
      assert.equal(details.cache, "demo");
      assert.ok(details.samples > 0 && details.window_s > 0.5 && details.at_ms > 0);
      await page.waitForSelector('[data-panel="alerts"] .cwd-alert-log li.firing', { timeout: 5000 });
      assert.match(await page.textContent('[data-panel="alerts"]'), /high_miss_rate/);
      // After the storm the alert resolves; the dashboard reported each transition once.
      await page.waitForFunction(() => window.demo.alerts.some((a) => a.details.state === "resolved"), null, { timeout: 20_000 });
      await page.waitForTimeout(1200);
      const [seen, sent] = await page.evaluate(() => [
        window.demo.alerts.map((a) => `${a.type}/${a.details.state}/${a.details.at_ms}`),
        window.fromCache.map((a) => `${a.type}/${a.details.state}/${a.details.at_ms}`),
      ]);
      assert.deepEqual(seen.slice(-sent.length), sent);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("the BroadcastChannel source follows the cache of another page", async () => {
    const context = await browser.newContext();
    try {
      const { page: demo, problems } = await openPage(context, server.url);
      const { page: follower, problems: followerProblems } = await openPage(context, server.url + "follow.html");
      await follower.waitForSelector(".cwd-tiles", { timeout: 20_000 });
      assert.equal(await follower.textContent(".cwd-cache-name"), "demo");
      const seq = async (p) => Number((await p.textContent(".cwd-status")).match(/frame #(\d+)/)?.[1] ?? NaN);
      const first = await seq(follower);
      await follower.waitForFunction((n) => Number(document.querySelector(".cwd-status").textContent.match(/frame #(\d+)/)?.[1]) > n, first, { timeout: 10_000 });
      await demo.waitForTimeout(100);
      assert.ok(Math.abs((await seq(demo)) - (await seq(follower))) <= 1, "both show the same frames");
      assert.deepEqual([...problems, ...followerProblems], []);
    } finally {
      await context.close();
    }
  });
  test("two caches on one channel: one is shown steadily, both are offered, the alerts of both arrive", async () => {
    const context = await browser.newContext();
    try {
      const channel = "two-caches";
      const { page: follower, problems } = await openPage(context, `${server.url}follow.html?channel=${channel}`);
      await follower.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 20_000 });
      const { page: producer, problems: producerProblems } = await openPage(context, `${server.url}fixtures/two-caches.html?channel=${channel}`);
      await follower.waitForSelector(".cwd-source >> nth=1", { timeout: 20_000 });
      const entriesOf = { alpha: "5", beta: "40" };
      const look = () =>
        follower.evaluate(() => ({
          name: document.querySelector(".cwd-cache-name")?.textContent,
          entries: document.querySelector('[data-figure="entries"] .cwd-tile-value')?.textContent,
          pressed: document.querySelector('.cwd-source[aria-pressed="true"]')?.dataset.cache,
        }));
      const first = (await look()).name;
      assert.ok(first === "alpha" || first === "beta", `shows one of the caches, not ${first}`);
      // Frames of both caches keep arriving; the view stays on one of them.
      for (let i = 0; i < 8; i++) {
        await follower.waitForTimeout(250);
        const now = await look();
        assert.deepEqual(now, { name: first, entries: entriesOf[first], pressed: first });
      }
      const offered = await follower.evaluate(() => [...document.querySelectorAll(".cwd-source")].map((b) => b.dataset.cache).sort());
      assert.deepEqual(offered, ["alpha", "beta"]);
      const other = first === "alpha" ? "beta" : "alpha";
      await follower.click(`.cwd-source[data-cache="${other}"]`);
      for (let i = 0; i < 4; i++) {
        await follower.waitForTimeout(250);
        assert.deepEqual(await look(), { name: other, entries: entriesOf[other], pressed: other });
      }
      // The alert of "beta" reaches onAlert and the log, whichever cache is shown.
      await follower.click('.cwd-source[data-cache="alpha"]');
      await follower.waitForFunction(() => window.followAlerts.some((a) => a.details.cache === "beta" && a.details.state === "firing"), null, { timeout: 10_000 });
      await follower.waitForSelector('[data-panel="alerts"] .cwd-alert-cache', { timeout: 5000 });
      assert.equal(await follower.textContent('[data-panel="alerts"] .cwd-alert-cache >> nth=0'), "beta");
      assert.equal(await follower.textContent(".cwd-cache-name"), "alpha");
      await producer.evaluate(() => clearInterval(window.timer));
      assert.deepEqual([...problems, ...producerProblems], []);
    } finally {
      await context.close();
    }
  });
});

describe("frames that are not frames", () => {
  test("on a channel are rejected, the status does not claim a retry, and the next frame is shown", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await openPage(context, `${server.url}follow.html?channel=odd-frames`);
      await page.waitForFunction(() => document.body.dataset.ready === "true", null, { timeout: 20_000 });
      const post = (f) => page.evaluate((f) => new BroadcastChannel("odd-frames").postMessage(f), f);
      const good = { schema: "cache-wasm/frame@1", seq: 1, ts_ms: 1_700_000_000_000, cache: "odd", instance: "i", interval_s: 1 };
      // NaN becomes null in JSON: not a number where one is expected.
      await post({ ...good, interval_s: null });
      await page.waitForFunction(() => /^A message was not a frame \(.*\); waiting for the next one\.$/.test(document.querySelector(".cwd-status-text")?.textContent ?? ""), null, { timeout: 5000 });
      assert.doesNotMatch(await page.textContent(".cwd-status-text"), /retrying/);
      assert.equal(await page.locator(".cwd-tiles").count(), 0, "the frame was not drawn");
      await post(good);
      await page.waitForFunction(() => /^Live: frame #1 /.test(document.querySelector(".cwd-status-text")?.textContent ?? ""), null, { timeout: 5000 });
      assert.equal(await page.textContent(".cwd-cache-name"), "odd");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe("mountDashboard's checks", () => {
  test("a source string it cannot read throws at once, and a dashboard that failed to mount is not kept", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await openPage(context, `${server.url}fixtures/dashboard-url.html?source=${encodeURIComponent(frames.url + "/frames.json")}`);
      await page.waitForFunction(() => window.handle !== undefined, null, { timeout: 20_000 });
      await page.evaluate(() => window.handle.ready);
      const thrown = await page.evaluate(async () => {
        const { mountDashboard } = await import("cache-wasm/dashboard");
        const out = [];
        for (const source of ["broadcast:", "   ", ""]) {
          try {
            const h = mountDashboard(document.createElement("div"), { source });
            out.push({ source, returned: true });
            await h.ready.catch((e) => out.push({ source, rejected: e.message }));
          } catch (e) {
            out.push({ source, error: e.constructor.name, message: e.message });
          }
        }
        return out;
      });
      assert.equal(thrown.length, 3, JSON.stringify(thrown));
      for (const t of thrown) {
        assert.equal(t.error, "TypeError", JSON.stringify(t));
        assert.match(t.message, /^cache-wasm: mountDashboard source must be a CacheManager, "broadcast:<name>" or a URL serving frames; /);
      }
      assert.match(thrown[0].message, /needs a channel name/);
      assert.match(thrown[1].message, /got an empty string$/);

      // A source whose onMetrics throws: ready rejects, and once the caller lets go of the
      // handle nothing else holds it.
      const rejected = await page.evaluate(async () => {
        const { mountDashboard } = await import("cache-wasm/dashboard");
        const h = mountDashboard(document.createElement("div"), { source: { onMetrics() { throw new Error("refused"); } } });
        const why = await h.ready.then(() => "drawn", (e) => e.message);
        window.failed = new WeakRef(h);
        return why;
      });
      assert.equal(rejected, "refused");
      const cdp = await context.newCDPSession(page);
      let kept = true;
      for (let i = 0; i < 10 && kept; i++) {
        await cdp.send("HeapProfiler.collectGarbage");
        kept = await page.evaluate(() => window.failed.deref() !== undefined);
        if (kept) await new Promise((ok) => setTimeout(ok, 50));
      }
      assert.equal(kept, false, "the handle of a dashboard that failed to mount was collected");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe("URL sources", () => {
  test("an event stream the browser gives up on (HTTP 503) is opened again, and frames resume", async () => {
    const context = await browser.newContext();
    try {
      const url = `${server.url}fixtures/dashboard-url.html?source=${encodeURIComponent(frames.url + "/frames.flaky")}`;
      const { page, problems } = await openPage(context, url);
      const status = () => page.textContent(".cwd-status-text");
      await page.waitForFunction(
        () => /^Disconnected \(the server refused the event stream\); trying again in \d+ s\.$/.test(document.querySelector(".cwd-status-text")?.textContent ?? ""),
        null,
        { timeout: 15_000 },
      );
      await page.waitForFunction(() => /^Live: frame #\d+/.test(document.querySelector(".cwd-status-text")?.textContent ?? ""), null, { timeout: 10_000 });
      const seq = Number((await status()).match(/frame #(\d+)/)[1]);
      await page.waitForFunction((n) => Number(document.querySelector(".cwd-status-text").textContent.match(/frame #(\d+)/)?.[1]) > n + 1, seq, { timeout: 5000 });
      assert.ok(frames.flaky() >= 5, `the source was opened again (${frames.flaky()} connections)`);
      // Chromium reports the refused EventSource itself on the console.
      assert.deepEqual(problems.filter((p) => !/503|EventSource/.test(p)), []);
    } finally {
      await context.close();
    }
  });
});

describe("the report", () => {
  test("downloads, opens with no console error and no policy violation, and shows the figures", async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const { page } = await openPage(context, server.url);
      await page.waitForSelector(".cwd-tiles", { timeout: 20_000 });
      await page.waitForTimeout(2500);
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
      const file = join(ARTIFACTS, "report.html");
      await download.saveAs(file);
      const html = readFileSync(file, "utf8");
      assert.match(html, /^<!doctype html>/);
      assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;/);
      const { page: report, problems } = await openPage(context);
      await report.route("http://report.invalid/report.html", (r) => r.fulfill({ body: html, contentType: "text/html" }));
      const requests = [];
      report.on("request", (r) => requests.push(r.url()));
      await report.goto("http://report.invalid/report.html");
      assert.equal(await report.title(), "cache-wasm report: demo");
      assert.ok((await report.locator("svg polyline").count()) >= 8, "charts of the recent frames");
      for (const heading of ["Summary", "Recent frames", "Latency (memory layer)", "Evictions by cause", "Removals by cause", "Errors by type", "Time to live", "Layers", "Alerts"]) {
        assert.equal(await report.locator("h2", { hasText: heading }).count(), 1, heading);
      }
      await report.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
      assert.deepEqual(await report.evaluate(() => window.__violations), []);
      assert.deepEqual(requests, ["http://report.invalid/report.html"], "nothing else is loaded");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe("hostile strings", () => {
  test("in the cache name, keys and alert details render as text in both dashboards", async () => {
    const context = await browser.newContext();
    try {
      const { page, problems } = await openPage(context, server.url);
      await page.waitForSelector(".cwd-tiles", { timeout: 20_000 });
      await page.fill("#cacheName", PAYLOAD);
      await page.click("#apply");
      await page.evaluate((p) => {
        for (let i = 0; i < 3; i++) window.demo.cache.set(`${p}${i}`, 1);
        window.demo.cache.get(p + "0");
      }, PAYLOAD);
      await page.click("#storm");
      await page.waitForFunction(() => window.demo.alerts.some((a) => a.details.state === "firing"), null, { timeout: 15_000 });
      await page.waitForSelector('[data-panel="alerts"] .cwd-alert-cache', { timeout: 5000 });
      assert.equal(await page.textContent(".cwd-cache-name"), PAYLOAD);
      assert.equal(await page.textContent('[data-panel="alerts"] .cwd-alert-cache >> nth=0'), PAYLOAD);
      assert.equal(await page.locator("#dashboard img, #dashboard script").count(), 0);
      const html = await page.evaluate(() => window.demo.cache.generateDashboard());
      assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
      const { page: report, problems: reportProblems } = await openPage(context);
      await report.route("http://report.invalid/r.html", (r) => r.fulfill({ body: html, contentType: "text/html" }));
      await report.goto("http://report.invalid/r.html");
      assert.equal(await report.textContent("h1 .name"), PAYLOAD);
      assert.equal(await report.locator("img, script").count(), 0);
      assert.equal(await report.evaluate(() => window.__pwned), undefined);
      assert.deepEqual(await report.evaluate(() => window.__violations), []);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      assert.deepEqual([...problems, ...reportProblems], []);
    } finally {
      await context.close();
    }
  });

  for (const [kind, path] of [["polled JSON", "/frames.json"], ["server-sent events", "/frames.sse"]]) {
    test(`in frames read from a URL (${kind}) render as text and reach onAlert once`, async () => {
      const context = await browser.newContext();
      try {
        const url = `${server.url}fixtures/dashboard-url.html?source=${encodeURIComponent(frames.url + path)}`;
        const { page, problems } = await openPage(context, url);
        await page.waitForSelector('[data-panel="layers"] tbody tr >> nth=1', { timeout: 15_000 });
        assert.equal(await page.textContent('[data-panel="layers"] tbody tr >> nth=1 >> th'), PAYLOAD);
        assert.equal(await page.textContent(".cwd-cache-name"), PAYLOAD);
        await page.waitForSelector(".cwd-alert-log li", { timeout: 5000 });
        assert.match(await page.textContent(".cwd-alert-log li"), /high_miss_rate/);
        const causes = await page.locator('[data-panel="evictions"] .cwd-bar-name').allTextContents();
        assert.equal(causes.filter((c) => c === PAYLOAD).length, 2, "a cause among evictions and one among removals");
        await page.waitForTimeout(2500);
        const received = await page.evaluate(() => window.received);
        assert.equal(received.length, 1, "one alert transition, however often it is read");
        assert.equal(received[0].type, "high_miss_rate");
        assert.equal(received[0].details.layer, PAYLOAD);
        assert.equal(received[0].details.value, 0.6);
        assert.equal(await page.locator("#dashboard img, #dashboard script").count(), 0);
        assert.equal(await page.evaluate(() => window.__pwned), undefined);
        await page.evaluate(() => window.handle.unmount());
        assert.equal(await page.locator(".cwd-root").count(), 0, "unmount removes the dashboard");
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
