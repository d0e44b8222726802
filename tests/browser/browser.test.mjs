// The package in Chromium: a plain page with no bundler, and a Vite app built from the packed tarball.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser, runPage } from "../support/browser.mjs";
import { NODE_BIN, nodeConsumer, scratchProject } from "../support/consumer.mjs";

const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const VITE_APP = fileURLToPath(new URL("./vite-app", import.meta.url));

const EXPECTED_SCENARIO = {
  afterSets: ["c", "b", "a"],
  getA: 1,
  afterGet: ["a", "c", "b"],
  peekB: { two: 2 },
  hasZ: false,
  afterEviction: ["d", "a", "c"],
  evictedB: true,
  size: 3,
  numberKey: "seven",
  bytesKeys: ["y"],
  bytes: 6,
  stringBytes: 10,
  objectKey: "TypeError",
  badConfig: "named error",
  ttl: [null, 2, 1],
  sizeAfterAll: 3,
};

let browser;
const servers = [];

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await Promise.allSettled(servers.map((s) => s.close()));
  await browser?.close();
});

describe("no bundler", () => {
  let base;
  before(async () => {
    const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
    const server = await startServer({ mounts: { "/": FIXTURES, "/pkg/": installed } });
    servers.push(server);
    base = server.url;
  });

  for (const page of ["import-map.html", "relative.html"]) {
    test(`${page} runs the scenario with no errors`, async () => {
      const { status, result, errors, requests } = await runPage(browser, base + page);
      assert.deepEqual(errors, []);
      assert.equal(status, "ok", `the page reported: ${JSON.stringify(result)}`);
      // JSON turns the undefined of an expired get into null.
      assert.deepEqual(result, EXPECTED_SCENARIO);
      assert.ok(requests.some((u) => u.endsWith(".wasm")), "the page fetched the wasm");
      assert.ok(!requests.some((u) => /dashboard/i.test(u)), "importing cache-wasm does not load the dashboard");
    });
  }
});

describe("Vite", () => {
  let base;
  before(async () => {
    const app = scratchProject("vite-app", { templateDir: VITE_APP });
    execFileSync(join(NODE_BIN, "vite"), ["build", "--logLevel", "warn", "--emptyOutDir"], {
      cwd: app,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    const dist = join(app, "dist");
    assert.ok(existsSync(join(dist, "index.html")), "vite build wrote dist/index.html");
    const assets = readdirSync(join(dist, "assets"));
    assert.ok(assets.some((f) => f.endsWith(".wasm")), `the build emitted the wasm (assets: ${assets.join(", ")})`);
    const server = await startServer({ mounts: { "/": dist } });
    servers.push(server);
    base = server.url;
  });

  test("the built app works in Chromium with no errors", async () => {
    const { status, result, errors } = await runPage(browser, base);
    assert.deepEqual(errors, []);
    assert.equal(status, "ok", `the page reported: ${JSON.stringify(result)}`);
    assert.deepEqual(result, { hit: "first", miss: true, keys: ["c", "a"], size: 2 });
  });
});
