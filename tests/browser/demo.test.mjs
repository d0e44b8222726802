// The demo page in www/ runs its workload against the packed package with no errors.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { nodeConsumer } from "../support/consumer.mjs";

const WWW = fileURLToPath(new URL("../../www", import.meta.url));

let browser;
let server;

before(async () => {
  const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
  server = await startServer({ mounts: { "/": WWW, "/pkg/": installed } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const count = (text) => Number(text.replace(/[^0-9]/g, ""));

// Opens the demo in a new page that collects its console errors and uncaught exceptions, once
// its workload has counted a first get.
async function openDemo() {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(server.url);
  await page.waitForFunction(() => Number(document.getElementById("gets").textContent.replace(/\D/g, "")) > 0, null, {
    timeout: 20_000,
  });
  return { page, errors };
}

test("the demo counts gets, hits and misses and respects the cache size", async () => {
  const { page, errors } = await openDemo();
  try {
    // Restart with a small cache and pause, so the numbers hold still while they are read.
    await page.fill("#maxEntries", "50");
    await page.fill("#keySpace", "400");
    await page.click("#apply");
    await page.waitForFunction(() => Number(document.getElementById("gets").textContent.replace(/\D/g, "")) >= 4000, null, {
      timeout: 20_000,
    });
    await page.click("#toggle");
    assert.match(await page.textContent("#status"), /Paused/);
    const read = async (id) => count(await page.textContent(`#${id}`));
    const [gets, hits, misses, size, evictions] = await Promise.all(
      ["gets", "hits", "misses", "size", "evictions"].map(read),
    );
    assert.equal(hits + misses, gets);
    assert.equal(size, 50, "a small cache fills up");
    assert.equal(evictions, misses - 50, "every miss beyond the first 50 evicts one entry");
    assert.equal(await page.locator("#recent li").count(), 24);
    const rate = Number((await page.textContent("#hitRate")).replace("%", ""));
    assert.ok(Math.abs(rate - (100 * hits) / gets) < 0.06, `hit rate ${rate}`);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("pausing shows the cache's current figures and holds the miss storm until the workload resumes", async () => {
  const { page, errors } = await openDemo();
  try {
    // Pause one tick after a render, when the figures on screen are a tick behind.
    await page.waitForTimeout(1000);
    await page.click("#toggle");
    const shown = count(await page.textContent("#gets"));
    const actual = await page.evaluate(() => window.demo.cache.getStats().gets);
    assert.equal(shown, actual, "the paused page shows the cache's own count");
    assert.equal(await page.locator("#recent li").first().textContent(), await page.evaluate(() => window.demo.cache.keys(1)[0]));
    assert.equal(await page.isDisabled("#storm"), true, "no storm while nothing runs");

    // A storm interrupted by a pause is not used up while paused.
    await page.click("#toggle");
    await page.waitForFunction(() => !document.getElementById("storm").disabled, null, { timeout: 5000 });
    await page.click("#storm");
    await page.waitForTimeout(500);
    await page.click("#toggle");
    await page.waitForTimeout(8500);
    await page.click("#toggle");
    await page.waitForTimeout(600);
    assert.equal(await page.isDisabled("#storm"), true, "the storm goes on after the pause");
    assert.match(await page.locator("#recent li").first().textContent(), /^storm:/);
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("the live dashboard shows no mean TTL for a cache without TTLs, and the mean of those set with one", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(err.message));
  try {
    await page.goto(server.url);
    const means = () =>
      page.evaluate(() =>
        Object.fromEntries(
          [...document.querySelectorAll('[data-panel="ttl"] dl > div')].map((d) => [d.querySelector("dt").textContent, d.querySelector("dd").textContent]),
        ),
      );
    await page.waitForSelector('[data-panel="ttl"] dd', { timeout: 20_000 });
    let shown = await means();
    assert.equal(shown["Mean TTL set"], "–", "no entry had a TTL");
    assert.equal(shown["Mean TTL left at a hit"], "–");
    await page.fill("#ttl", "60000");
    await page.click("#apply");
    await page.waitForFunction(() => [...document.querySelectorAll('[data-panel="ttl"] dd')].some((d) => d.textContent === "1.0 min"), null, { timeout: 10_000 });
    shown = await means();
    assert.equal(shown["Mean TTL set"], "1.0 min");
    assert.notEqual(shown["Mean TTL left at a hit"], "–");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
