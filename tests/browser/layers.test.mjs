// The IndexedDB layer in Chromium: values survive a page load, expiry and deletes hold, quota
// and open failures fall back to the layer below.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { nodeConsumer } from "../support/consumer.mjs";

const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));

let browser;
let server;

before(async () => {
  browser = await launchBrowser();
  const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
  server = await startServer({ mounts: { "/": FIXTURES, "/pkg/": installed } });
});

after(async () => {
  await server?.close();
  await browser?.close();
});

// Loads the fixture for `phase` in `page` and returns its result; page errors fail the test.
async function run(page, phase) {
  const errors = [];
  const onError = (e) => errors.push(String(e.message ?? e));
  page.on("pageerror", onError);
  try {
    await page.goto(`${server.url}layers.html?phase=${phase}`, { waitUntil: "load" });
    await page.waitForSelector("#result[data-status]", { state: "attached", timeout: 30_000 });
    const status = await page.getAttribute("#result", "data-status");
    const text = await page.textContent("#result");
    assert.equal(status, "ok", text);
    assert.deepEqual(errors, []);
    return JSON.parse(text);
  } finally {
    page.off("pageerror", onError);
  }
}

test("values written through to IndexedDB are read back after the page loads again", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const written = await run(page, "write");
    assert.deepEqual(written.record, { v: { name: "Ada", tags: ["a", "b"] }, expIsZero: true });
    await sleep(150); // "brief" (ttl 100 ms) expires meanwhile.
    // A new document with a new cache; only IndexedDB is kept. (Reloading would run the write
    // phase again and store "brief" afresh.)
    const read = await run(page, "read");
    assert.deepEqual(read, {
      layerOnlyDelete: true,
      missingDelete: false,
      bytesAfterDelete: null,
      inMemoryBefore: false,
      user: { name: "Ada", tags: ["a", "b"] },
      bytes: [1, 2, 3],
      brief: null,
      briefRemoved: true,
      deleted: null,
      promoted: true,
      stats: { gets: 4, hits: 2, misses: 2, timed: 4 },
    });
  } finally {
    await context.close();
  }
});

test("a write over the origin's quota rejects naming IndexedDB; the layer below keeps the value", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}layers.html`);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Storage.overrideQuotaForOrigin", { origin: new URL(server.url).origin, quotaSize: 1024 * 1024 });
    const r = await run(page, "quota");
    assert.deepEqual(r, {
      rejected: true,
      layer: "idb",
      cause: "QuotaExceededError",
      belowHasIt: true,
      bigBack: 4 * 1024 * 1024,
      smallBack: "fits",
      // The refused set, and the promotion of the value read back from the layer below.
      idbErrors: 2,
    });
  } finally {
    await context.close();
  }
});

test("IndexedDB that cannot be opened, or is absent, is counted and skipped", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const r = await run(page, "unavailable");
    assert.deepEqual(r.rejectedBy, ["idb", "none"]);
    assert.equal(r.back, "v");
    // The refused set, its clean-up delete, and the read: three calls each, all failed.
    assert.equal(r.errors.idb, 3);
    assert.equal(r.errors.none, 3);
    assert.equal(r.errors.below, 0);
  } finally {
    await context.close();
  }
});

test("layers with their own object stores share one database, also after the page loads again", async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const written = await run(page, "storesWrite");
    assert.deepEqual(written.records, { a: ["both", "after"], b: ["both", "after"], c: ["third", null] });
    const read = await run(page, "storesRead");
    assert.deepEqual(read, { back: ["both", "after", "third"], n: "new", errors: [0, 0, 0] });
  } finally {
    await context.close();
  }
});
