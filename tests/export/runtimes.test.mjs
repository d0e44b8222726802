// Export where there is no UDP: the browser entry refuses StatsD over UDP at construction and never loads Node built-ins.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { nodeConsumer } from "../support/consumer.mjs";

// This file runs in its own process and imports only the browser entry, as a browser would.
let pkg;
let CacheManager;
let CacheConfig;
before(async () => {
  pkg = join(nodeConsumer(), "node_modules", "cache-wasm");
  const mod = await import(pathToFileURL(join(pkg, "browser.js")).href);
  await mod.default(readFileSync(join(pkg, "cache_wasm_bg.wasm")));
  ({ CacheManager, CacheConfig } = mod);
});

// The package files an entry reaches through static imports, and the bare specifiers they import.
function imports(entry) {
  const files = new Set();
  const bare = new Set();
  const visit = (file) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(join(pkg, file), "utf8");
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\s*\(?\s*["']([^"']+)["']/g)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith("./")) visit(spec.slice(2));
      else bare.add(spec);
    }
  };
  visit(entry);
  return { files, bare };
}

test("the browser and workerd entries never reach the UDP transport or a Node built-in", () => {
  for (const entry of ["browser.js", "workerd.js"]) {
    const { files, bare } = imports(entry);
    assert.ok(files.has("export.js"), `${entry} has the HTTP export transport`);
    assert.ok(!files.has("udp.js"), `${entry} does not import udp.js`);
    assert.deepEqual([...bare].filter((s) => s.startsWith("node:")), [], `${entry} imports no node: module`);
  }
  assert.ok(imports("node.mjs").files.has("udp.js"), "the Node entry has UDP");
});

test("a StatsD endpoint over UDP is refused at construction with a TypeError naming telemetryExportEndpoint", () => {
  for (const endpoint of ["127.0.0.1:8125", "udp://127.0.0.1:8125?tags=env:prod"]) {
    const options = {
      enableTelemetry: true,
      telemetryExport: true,
      telemetryExportFormat: "statsd",
      telemetryExportEndpoint: endpoint,
    };
    for (const make of [() => new CacheManager(options), () => new CacheConfig(options)]) {
      assert.throws(make, (e) => e instanceof TypeError && e.message.includes("telemetryExportEndpoint") && /UDP/.test(e.message));
    }
  }
  // Over HTTP the same format is fine, and exportMetrics needs no transport at all.
  const cache = new CacheManager({
    enableTelemetry: true,
    telemetryExport: true,
    telemetryExportFormat: "statsd",
    telemetryExportEndpoint: "https://collector.example/statsd",
  });
  try {
    cache.set("a", 1);
    assert.match(cache.exportMetrics("statsd"), /^cache\.default\.puts:1\|c$/m);
    assert.equal(cache.exportStatus().transport, "http");
  } finally {
    cache.close();
    cache.free();
  }
});
