// A caller's read-through loop that V8 compiles before `get` has optimized code of its own
// can inline the whole of a get of a short string key: `get`, the key's hash, the probe of
// the buckets and the recording of a miss. They share V8's budget of bytecode inlined into one
// function (920 bytes); a hash or a check that grows past it is called instead, which cost
// the read-through row 10–15% in Chromium. Whether a given loop is compiled before or after
// `get` depends on V8's compiler threads, so this checks the sizes, from V8's own trace.
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

test("get with everything it inlines fits the budget V8 has for inlining into a caller", () => {
  const esm = pathToFileURL(join(nodeConsumer(), "esm.mjs")).href;
  // Compiling on the main thread makes the trace the same on every run: `get` is optimized on
  // its own, with what it inlines, before the loop is.
  const flags = ["--trace-turbo-inlining", "--no-concurrent-recompilation", "--input-type=module"];
  const out = execFileSync(process.execPath, [...flags, "-e", program(esm)], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.match(out, /^hits \d+$/m);
  // Bytecode sizes, from the candidates V8 weighed.
  const size = new Map();
  for (const m of out.matchAll(/- target: .*<SharedFunctionInfo ([^>]*)>\}, bytecode size: (\d+)/g)) {
    size.set(m[1], Number(m[2]));
  }
  // What get's own optimized code inlined: what a caller that inlines get must fit as well.
  const callees = new Set();
  for (const m of out.matchAll(/^Inlining .*<SharedFunctionInfo ([^>]*)>\} into .*<SharedFunctionInfo get>\}/gm)) {
    callees.add(m[1]);
  }
  for (const name of ["hashKey", "#probe", "#miss"]) {
    assert.ok(callees.has(name), `get inlines ${name}; it inlines: ${[...callees].join(", ") || "nothing"}`);
  }
  const sizes = ["get", ...callees].map((name) => {
    assert.ok(size.has(name), `the bytecode size of ${name} is in V8's trace`);
    return size.get(name);
  });
  // V8 lets a callee in while what it has inlined so far plus 1.2 times the callee's size
  // stays within 920 bytes, so the largest callee, last, needs a fifth of its size spare.
  const total = sizes.reduce((a, b) => a + b, 0);
  const need = total + Math.max(...sizes.slice(1)) / 5;
  const list = ["get", ...callees].map((name) => `${name} ${size.get(name)}`).join(", ");
  assert.ok(need <= 920, `get and what it inlines need ${need} of 920 bytes (${list})`);
});
