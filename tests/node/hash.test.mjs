// The packaged cache.js hashes keys as `cache-wasm/tests/golden/key-hashes.txt` says, the file
// the trace replay's Rust copy of these hashes is checked against, and its hashes of similar
// keys look random.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT } from "../support/consumer.mjs";
import { packagedHashes } from "../support/source.mjs";

test("hashKey and hashInt give the golden hashes under each seed", () => {
  const make = packagedHashes();
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

test("keys that differ in a few characters collide no more often than random hashes", () => {
  // 2^18 keys a set: random 32-bit hashes would give 8 colliding keys on average, and more
  // than 24 about once in 10^6 sets. A hash whose steps mix too little shows structure here:
  // one that mixed each pair of units in without first spreading it over 32 bits gave several
  // times the random count (73 colliding keys in "a:b").
  const make = packagedHashes();
  const sets = {
    "user:N": (i) => `user:${i}`,
    "k and 11 digits": (i) => `k${String(i).padStart(11, "0")}`,
    "8 hex digits": (i) => i.toString(16).padStart(8, "0"),
    "API paths": (i) => `/api/v1/items/${i}/detail`,
    "a:b": (i) => `${i % 512}:${i >> 9}`,
  };
  for (const seed of [1, 217, 2654435769]) {
    const { hashKey } = make(seed, () => {
      throw new Error("the seed is set");
    });
    for (const [name, key] of Object.entries(sets)) {
      const seen = new Set();
      let collisions = 0;
      for (let i = 0; i < 1 << 18; i++) {
        const h = hashKey(key(i));
        if (seen.has(h)) collisions++;
        else seen.add(h);
      }
      assert.ok(collisions <= 24, `${name} under seed ${seed}: ${collisions} keys collide`);
    }
  }
});
