// Type-checks a CommonJS consumer of the package under --strict.
import cacheWasm = require("cache-wasm");

const cache = new cacheWasm.CacheManager<string>({ maxEntries: 2 });
cache.set("a", "x");
const value: string | undefined = cache.get("a");
const ready: Promise<void> = cacheWasm.default();
export = { value, ready };
