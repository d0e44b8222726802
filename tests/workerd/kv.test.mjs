// The KV layer inside workerd: the Worker's cache writes through workerd's KV namespace binding,
// served by a local KV backend Worker, and reads back across a restart of the cache.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startWorkerd } from "../support/workerd.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
let server;

before(async () => {
  server = await startWorkerd(HERE, "/layer/stats");
});

after(async () => {
  await server?.stop();
});

async function call(path, params = {}) {
  const url = new URL(path, server.base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, String(v));
  const res = await fetch(url);
  const body = await res.json();
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(body)}; workerd output:\n${server.output()}`);
  return body;
}

test("setAsync writes an envelope through the KV binding; a restarted cache reads it back", async () => {
  const t0 = Date.now();
  assert.deepEqual(await call("/layer/set", { key: "user", value: JSON.stringify({ name: "Ada" }), ttl: 600_000 }), { ok: true });
  const { raw } = await call("/layer/raw", { key: "user" });
  const envelope = JSON.parse(raw);
  assert.deepEqual(envelope.v, { name: "Ada" });
  assert.ok(envelope.exp >= t0 + 600_000 && envelope.exp <= Date.now() + 600_000, raw);
  await call("/layer/restart");
  assert.deepEqual(await call("/layer/get", { key: "user" }), { hit: true, value: { name: "Ada" }, inMemory: true });
  const stats = await call("/layer/stats");
  assert.equal(stats.kv.hits, 1);
  assert.equal(stats.kv.latency.get.count, 1);
  assert.equal(stats.memory.misses, 1);
});

test("short TTLs expire by the envelope, though KV keeps records for at least 60 s", async () => {
  await call("/layer/set", { key: "brief", value: '"x"', ttl: 80 });
  await call("/layer/restart");
  assert.equal((await call("/layer/get", { key: "brief" })).hit, true);
  await sleep(150);
  await call("/layer/restart");
  assert.deepEqual(await call("/layer/get", { key: "brief" }), { hit: false, value: null, inMemory: false });
  assert.equal((await call("/layer/raw", { key: "brief" })).raw, null, "the expired record was removed");
});

test("deleteAsync removes the key from KV and it does not come back", async () => {
  await call("/layer/set", { key: "gone", value: "1" });
  assert.deepEqual(await call("/layer/delete", { key: "gone" }), { deleted: true });
  await call("/layer/restart");
  assert.equal((await call("/layer/get", { key: "gone" })).hit, false);
  assert.equal((await call("/layer/raw", { key: "gone" })).raw, null);
});

test("a corrupt record is a miss, removed and counted", async () => {
  await call("/layer/restart");
  await call("/layer/corrupt", { key: "junk", text: "{not json" });
  assert.equal((await call("/layer/get", { key: "junk" })).hit, false);
  assert.equal((await call("/layer/raw", { key: "junk" })).raw, null);
  assert.equal((await call("/layer/stats")).kv.errors.by_type.layer, 1);
});

test("a failing KV is counted and skipped for reads; a write it refuses rejects naming it", async () => {
  await call("/layer/restart");
  assert.equal((await call("/layer/get", { key: "fail:a" })).hit, false);
  const set = await call("/layer/set", { key: "fail:b", value: "1" });
  assert.equal(set.ok, false);
  assert.equal(set.error, "LayerError");
  assert.equal(set.layer, "kv");
  const stats = await call("/layer/stats");
  assert.ok(stats.kv.errors.by_type.layer >= 2, JSON.stringify(stats.kv));
});

test("fetch shares one load among concurrent misses and stores the value in KV", async () => {
  const r = await call("/layer/fetch", { key: "rt" });
  assert.deepEqual(r, { values: ["loaded rt", "loaded rt", "loaded rt"], loads: 1 });
  assert.equal(JSON.parse((await call("/layer/raw", { key: "rt" })).raw).v, "loaded rt");
});
