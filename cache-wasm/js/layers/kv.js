// A layer over a Workers KV namespace binding: a keyv-style { get, set, delete } store of JSON text.
//
// KV's own expiry must be at least 60 s ahead, so short TTLs are rounded up there; the
// envelope's absolute `exp` still decides, so nothing is served late. A record that is not
// JSON comes back as text, which the cache treats as corrupt and removes.

/**
 * @param {{ get(key: string): Promise<string | null>, put(key: string, value: string, options?: object): Promise<void>, delete(key: string): Promise<void> }} namespace
 * @param {{ prefix?: string }} [options]
 */
export function kvLayer(namespace, options) {
  if (namespace === null || typeof namespace !== "object" || typeof namespace.get !== "function") {
    throw new TypeError("cache-wasm: kvLayer takes a KV namespace binding (env.<BINDING>)");
  }
  // No options, undefined or null, means the defaults.
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
    throw new TypeError(`cache-wasm: kvLayer options must be an object { prefix }, got ${Array.isArray(options) ? "an array" : typeof options}`);
  }
  const prefix = options?.prefix ?? "";
  if (typeof prefix !== "string") {
    throw new TypeError(`cache-wasm: kvLayer prefix must be a string, got ${typeof prefix}`);
  }
  return {
    async get(key) {
      const text = await namespace.get(prefix + key);
      if (text === null || text === undefined) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    },
    async set(key, value, ttlMs) {
      const put = typeof ttlMs === "number" && ttlMs > 0 ? { expirationTtl: Math.max(60, Math.ceil(ttlMs / 1000)) } : undefined;
      await namespace.put(prefix + key, JSON.stringify(value), put);
    },
    async delete(key) {
      await namespace.delete(prefix + key);
    },
  };
}
