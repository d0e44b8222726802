// Alerts in Chromium: a page's handler receives a miss-rate alert built by the cache's own timer.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser, runPage } from "../support/browser.mjs";
import { nodeConsumer } from "../support/consumer.mjs";

const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));

let browser;
let server;

before(async () => {
  const installed = join(nodeConsumer(), "node_modules", "cache-wasm");
  server = await startServer({ mounts: { "/": FIXTURES, "/pkg/": installed } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("a page's alert handler gets high_miss_rate firing, then resolved", async () => {
  const { status, result, errors } = await runPage(browser, server.url + "alerts.html");
  assert.deepEqual(errors, []);
  assert.equal(status, "ok", `the page reported: ${JSON.stringify(result)}`);
  const [fired, resolved] = result.calls;
  assert.equal(result.calls.length, 2, JSON.stringify(result.calls));
  assert.equal(fired.type, "high_miss_rate");
  assert.equal(fired.state, "firing");
  assert.equal(fired.value, 1);
  assert.equal(fired.threshold, 0.5);
  assert.equal(fired.samples, 200);
  assert.equal(fired.op, "get");
  assert.equal(fired.layer, "memory");
  assert.ok(fired.window_s > 0 && fired.at_ms > 0);
  assert.deepEqual(
    result.firing.map((a) => [a.type, a.state, a.op, a.layer]),
    [["high_miss_rate", "firing", "get", "memory"]],
  );
  assert.equal(resolved.state, "resolved");
  assert.deepEqual(result.resolvedAlerts, ["resolved"]);
  assert.equal(result.seen, "resolved", "the handler's set went through");
  assert.equal(result.handlerErrors, 2, "the failing handler was counted, once per transition");
  assert.deepEqual(result.history, ["high_miss_rate:firing", "high_miss_rate:resolved"]);
});
