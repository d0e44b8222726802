// The packaged cache.js hashes keys as `cache-wasm/tests/golden/key-hashes.txt` says, the file
// the trace replay's Rust copy of these hashes is checked against.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../support/consumer.mjs";

// The source of the top-level function `name` of `src`, up to the first closing brace at the
// start of a line.
function functionSource(src, name) {
  const found = src.match(new RegExp(`^function ${name}\\([^)]*\\) \\{[\\s\\S]*?^\\}`, "m"));
  assert.ok(found, `cache.js defines function ${name}`);
  return found[0];
}

test("hashKey and hashInt give the golden hashes under each seed", () => {
  const src = readFileSync(join(ROOT, "cache-wasm/pkg/cache.js"), "utf8");
  const make = new Function(
    "SEED",
    "seed",
    `${functionSource(src, "hashKey")}\n${functionSource(src, "hashInt")}\nreturn { hashKey, hashInt };`,
  );
  const lines = readFileSync(join(ROOT, "cache-wasm/tests/golden/key-hashes.txt"), "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"));
  assert.ok(lines.length >= 20, `${lines.length} golden lines`);
  for (const line of lines) {
    const [seed, key, want] = line.split(" ");
    const { hashKey, hashInt } = make(Number(seed), () => {
      throw new Error("the seed is set");
    });
    // Integer keys up to 2^31 - 1 are held as numbers; other keys as their text.
    const n = Number(key);
    const got = n <= 0x7fffffff ? hashInt(n) : hashKey(key);
    assert.equal(got, Number(want), `seed ${seed}, key ${key}`);
  }
});
