// Metric frames built in Chromium validate against the committed schema and reach a BroadcastChannel.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import { startServer } from "../../scripts/serve.mjs";
import { launchBrowser, runPage } from "../support/browser.mjs";
import { nodeConsumer, ROOT } from "../support/consumer.mjs";

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

test("frames from a page timer validate and are mirrored on the telemetry channel", async () => {
  const schema = JSON.parse(readFileSync(join(ROOT, "cache-wasm", "schema", "frame.schema.json"), "utf8"));
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  const { status, result, errors } = await runPage(browser, server.url + "telemetry.html");
  assert.deepEqual(errors, []);
  assert.equal(status, "ok", JSON.stringify(result));
  const { frames, channelFrames } = result;
  assert.equal(frames.length, 3);
  for (const [i, f] of frames.entries()) {
    assert.ok(validate(f), JSON.stringify(validate.errors));
    assert.equal(f.seq, i + 1);
    assert.equal(f.cache, "page");
  }
  assert.equal(frames.reduce((a, f) => a + f.window.gets, 0), 60, "the windows hold every get");
  assert.equal(frames[2].totals.latency.get.count, 60, "every get was timed at rate 1");
  assert.deepEqual(channelFrames.slice(0, 3), [1, 2, 3], "the channel got the same frames in order");
});
