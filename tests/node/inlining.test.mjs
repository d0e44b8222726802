// A caller's read-through loop that V8 compiles before `get` has optimized code of its own
// inlines the whole of a get of a short string key: `get`, the key's hash, the probe of the
// buckets and the recording of a miss. They share V8's budget of bytecode inlined into one
// function (920 bytes); a hash or a check that grows past it is called instead, which cost
// the read-through row 10–15% in Chromium.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { nodeConsumer } from "../support/consumer.mjs";

// A read-through loop over 12-character keys, in fresh caches, run until V8 optimizes it.
function program(esm) {
  return `
import init, { CacheManager } from ${JSON.stringify(esm)};
await init();
const keys = Array.from({ length: 5000 }, (_, i) => "k" + String(i).padStart(11, "0"));
function readThrough(cache, n, round) {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const key = keys[(i * 7919 + round) % keys.length];
    if (cache.get(key) === undefined) cache.set(key, { i });
    else hits++;
  }
  return hits;
}
let hits = 0;
for (let round = 0; round < 40; round++) {
  const cache = new CacheManager({ maxEntries: 1000 });
  hits += readThrough(cache, 25000, round);
  cache.free();
}
console.log("hits", hits);
`;
}

test("a read-through loop inlines get with its hash, probe and miss", () => {
  const esm = pathToFileURL(join(nodeConsumer(), "esm.mjs")).href;
  const out = execFileSync(process.execPath, ["--trace-turbo-inlining", "--input-type=module", "-e", program(esm)], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.match(out, /^hits \d+$/m);
  const inlined = new Set();
  for (const m of out.matchAll(/^Inlining .*<SharedFunctionInfo ([^>]*)>\} into .*<SharedFunctionInfo readThrough>\}/gm)) {
    inlined.add(m[1]);
  }
  for (const name of ["get", "hashKey", "#probe", "#miss"]) {
    assert.ok(inlined.has(name), `${name} is inlined into the loop; inlined: ${[...inlined].join(", ") || "nothing"}`);
  }
});
