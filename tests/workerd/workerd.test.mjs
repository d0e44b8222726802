// The package inside workerd: a Worker keeps one cache across HTTP requests.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import workerd from "workerd";
import { ROOT, scratchProject } from "../support/consumer.mjs";
import { freePort, startProcess } from "../support/process.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
// The workerd binary itself: npm's bin script is a wrapper that would outlive a signal.
const WORKERD = workerd.default;

let server;
let base;

// The package files that the workerd entry reaches through relative imports, itself included.
function moduleGraph(dir, entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith(".js")) return;
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/(?:import|export)\s[^;]*?from\s*["']\.\/([^"']+)["']/g)) visit(m[1]);
    for (const m of text.matchAll(/import\s*["']\.\/([^"']+)["']/g)) visit(m[1]);
  };
  visit(entry);
  return seen;
}

before(async () => {
  // config.capnp embeds the package from this scratch project.
  const project = scratchProject("workerd");
  const config = readFileSync(join(HERE, "config.capnp"), "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join("\n");
  const embedded = new Set(
    [...config.matchAll(/embed "\.\.\/\.artifacts\/workerd\/node_modules\/cache-wasm\/([^"]+)"/g)].map((m) => m[1]),
  );
  const needed = moduleGraph(join(project, "node_modules", "cache-wasm"), "workerd.js");
  const missing = [...needed].filter((f) => !embedded.has(f));
  assert.deepEqual(missing, [], "config.capnp lists every module that workerd.js imports");
  let lastError;
  for (let attempt = 0; attempt < 3 && !server; attempt++) {
    const port = await freePort();
    try {
      server = await startProcess(
        WORKERD,
        ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`],
        { cwd: HERE, readyUrl: `http://127.0.0.1:${port}/keys` },
      );
      base = `http://127.0.0.1:${port}`;
    } catch (err) {
      lastError = err;
    }
  }
  if (!server) throw lastError;
});

after(async () => {
  await server?.stop();
});

async function call(path, params = {}) {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  const res = await fetch(url);
  const body = await res.json();
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(body)}; workerd output:\n${server.output()}`);
  return body;
}

test("values set in one request are served in later ones, misses are misses", async () => {
  assert.deepEqual(await call("/get", { key: "a" }), { hit: false, value: null });
  assert.deepEqual(await call("/set", { key: "a", value: "apple" }), { size: 1 });
  assert.deepEqual(await call("/get", { key: "a" }), { hit: true, value: "apple" });
  assert.deepEqual(await call("/get", { key: "a" }), { hit: true, value: "apple" });
  assert.deepEqual(await call("/get", { key: "b" }), { hit: false, value: null });
  await call("/set", { key: "b", value: "banana" });
  assert.deepEqual(await call("/keys"), { keys: ["b", "a"], size: 2 });
});

test("the least recently used entry is evicted across requests", async () => {
  await call("/set", { key: "c", value: "cherry" });
  await call("/get", { key: "a" }); // Order now a, c, b.
  await call("/set", { key: "d", value: "date" }); // maxEntries 3: b goes.
  assert.deepEqual(await call("/keys"), { keys: ["d", "a", "c"], size: 3 });
  assert.deepEqual(await call("/get", { key: "b" }), { hit: false, value: null });
  assert.deepEqual(await call("/get", { key: "c" }), { hit: true, value: "cherry" });
});

test("delete and ttl work across requests", async () => {
  assert.deepEqual(await call("/delete", { key: "d" }), { deleted: true });
  assert.deepEqual(await call("/delete", { key: "d" }), { deleted: false });
  await call("/set", { key: "t", value: "brief", ttl: 40 });
  await sleep(200);
  assert.deepEqual(await call("/get", { key: "t" }), { hit: false, value: null });
  assert.deepEqual(await call("/keys"), { keys: ["c", "a"], size: 2 });
});

test("a cache that reuses clock readings still expires entries in later requests", async () => {
  // The TTL leaves a loaded machine time for the first get; the wait is well past it.
  await call("/held/set", { key: "h", value: "held", ttl: 500 });
  assert.deepEqual(await call("/held/get", { key: "h" }), { hit: true, value: "held" });
  await sleep(1_000);
  assert.deepEqual(await call("/held/get", { key: "h" }), { hit: false, value: null });
});

test("bad input is a named error and the Worker keeps serving", async () => {
  assert.equal((await call("/bad", { kind: "object-key" })).error, "TypeError");
  assert.equal((await call("/bad", { kind: "long-key" })).error, "RangeError");
  assert.equal((await call("/bad", { kind: "undefined-value" })).error, "TypeError");
  const config = await call("/bad", { kind: "config" });
  assert.ok(["TypeError", "RangeError"].includes(config.error), JSON.stringify(config));
  assert.match(config.message, /max_?entries/i);
  assert.deepEqual(await call("/keys"), { keys: ["c", "a"], size: 2 });
  assert.deepEqual(await call("/get", { key: "a" }), { hit: true, value: "apple" });
});

test("stats count the gets, hits and misses of every request", async () => {
  // Gets so far: a miss, a hit, a hit, b miss, a hit, b miss, c hit, t miss, a hit (the previous test).
  assert.deepEqual(await call("/stats"), { gets: 9, hits: 5, misses: 4, sets: 5 });
});

test("flushTelemetry builds a frame on demand that matches the frame schema", async () => {
  const schema = JSON.parse(readFileSync(join(ROOT, "cache-wasm", "schema", "frame.schema.json"), "utf8"));
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  const first = await call("/frame");
  assert.ok(validate(first), JSON.stringify(validate.errors));
  assert.equal(first.schema, "cache-wasm/frame@1");
  assert.equal(first.cache, "edge-telemetry");
  assert.equal(first.seq, 1);
  assert.equal(first.window.gets, 20);
  assert.equal(first.window.misses, 5);
  assert.equal(first.window.hit_rate, 75);
  const second = await call("/frame");
  assert.ok(validate(second), JSON.stringify(validate.errors));
  assert.equal(second.seq, 2);
  assert.equal(second.window.gets, 20);
  assert.equal(second.window.hits, 20);
  assert.equal(second.totals.gets, 40);
});
