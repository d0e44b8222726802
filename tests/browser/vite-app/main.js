// The Vite app: builds a cache, uses it and writes what it saw into #result.
import init, { CacheManager } from "cache-wasm";

async function main() {
  await init();
  const cache = new CacheManager({ maxEntries: 2 });
  cache.set("a", "first").set("b", "second");
  const hit = cache.get("a");
  cache.set("c", "third");
  return {
    hit,
    miss: cache.get("b") === undefined,
    keys: cache.keys(),
    size: cache.size,
  };
}

const el = document.getElementById("result");
main().then(
  (value) => {
    el.textContent = JSON.stringify(value);
    el.dataset.status = "ok";
  },
  (err) => {
    el.textContent = String(err && err.stack ? err.stack : err);
    el.dataset.status = "error";
  },
);
