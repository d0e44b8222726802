// Caches whose index is too large for JS to probe (past 2^21 buckets): every get goes through
// the engine. In a file of its own, since the memory these grow is never given back, and other
// tests need to see memory grow.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { loadPackage } from "../support/consumer.mjs";

for (const kind of ["esm", "cjs"]) {
  describe(`a cache too large for JS to probe (${kind})`, () => {
    let CacheManager;
    before(async () => {
      const pkg = await loadPackage(kind);
      await pkg.init();
      CacheManager = pkg.CacheManager;
    });

    test("finds integer keys by either form", () => {
      // Past 2^21 buckets (a third full, so past about 700,000 entries) gets go through the engine.
      const n = 720_000;
      const cache = new CacheManager({ maxEntries: 1_000_000 });
      for (let i = 0; i < n; i++) cache.set(i, i);
      cache.set("2147483647", "largest");
      assert.equal(cache.size, n + 1);
      for (const i of [0, 1, 4096, 699_999, n - 1]) {
        assert.equal(cache.get(String(i)), i);
        assert.equal(cache.get(i), i);
      }
      assert.equal(cache.get(2147483647), "largest");
      assert.equal(cache.get(n), undefined);
      assert.equal(cache.get(String(n)), undefined);
      assert.equal(cache.delete("5"), true);
      assert.equal(cache.get(5), undefined);
      assert.equal(cache.getStats().hits, 11);
      cache.free();
    });
  });
}
