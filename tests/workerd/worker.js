// A Worker in ES-module syntax that keeps one cache across requests and answers as JSON.
import init, { CacheManager, kvLayer, LayerError } from "cache-wasm";

let cache = null;
// A cache that reuses one clock reading for its TTL checks (see /held/*).
let held = null;
// A cache with the KV namespace below memory; /layer/restart replaces it, as a new isolate would.
let layered = null;

function layeredCache(env) {
  layered ??= new CacheManager({
    name: "edge-kv",
    enableTelemetry: true,
    layers: [{ name: "kv", store: kvLayer(env.CACHE_KV, { prefix: "c:" }), timeoutMs: 2000 }],
  });
  return layered;
}

// The /layer/* routes: the async methods over the KV layer.
async function layerRoute(path, q, env) {
  const c = layeredCache(env);
  const key = q.get("key");
  switch (path) {
    case "/layer/set": {
      const options = q.has("ttl") ? { ttl: Number(q.get("ttl")) } : undefined;
      try {
        await c.setAsync(key, JSON.parse(q.get("value")), options);
        return { ok: true };
      } catch (err) {
        return { ok: false, error: err.name, layer: err instanceof LayerError ? err.layer : null, message: err.message };
      }
    }
    case "/layer/get": {
      const value = await c.getAsync(key);
      return { hit: value !== undefined, value: value ?? null, inMemory: c.has(key) };
    }
    case "/layer/delete":
      return { deleted: await c.deleteAsync(key) };
    case "/layer/fetch": {
      let loads = 0;
      const loader = async (k) => {
        loads++;
        await new Promise((r) => setTimeout(r, 10));
        return `loaded ${k}`;
      };
      const values = await Promise.all([1, 2, 3].map(() => c.fetch(key, loader, { ttl: 120_000 })));
      return { values, loads };
    }
    case "/layer/raw":
      return { raw: await env.CACHE_KV.get(`c:${key}`) };
    case "/layer/corrupt":
      await env.CACHE_KV.put(`c:${key}`, q.get("text"));
      return { ok: true };
    case "/layer/restart":
      layered?.free();
      layered = null;
      return { ok: true };
    case "/layer/stats":
      return c.getStats().layers;
    default:
      return null;
  }
}
let telemetry = null;

function json(body, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

// Runs fn and reports the name and message of what it throws.
function attempt(fn) {
  try {
    fn();
    return { error: null };
  } catch (err) {
    return { error: err?.name ?? String(err), message: String(err?.message ?? "") };
  }
}

export default {
  async fetch(request, env) {
    await init();
    cache ??= new CacheManager({ name: "edge", maxEntries: 3, maxKeyLength: 16 });
    const url = new URL(request.url);
    const q = url.searchParams;
    const key = q.get("key");
    if (url.pathname.startsWith("/held/")) {
      held ??= new CacheManager({ name: "edge-held", maxEntries: 8, ttlClock: "task" });
      if (url.pathname === "/held/set") {
        held.set(key, q.get("value"), { ttl: Number(q.get("ttl")) });
        return json({ size: held.size });
      }
      const value = held.get(key);
      return json({ hit: value !== undefined, value: value ?? null });
    }
    if (url.pathname.startsWith("/layer/")) {
      const body = await layerRoute(url.pathname, q, env);
      return body === null ? json({ error: "not found" }, 404) : json(body);
    }
    switch (url.pathname) {
      case "/set": {
        const options = q.has("ttl") ? { ttl: Number(q.get("ttl")) } : undefined;
        cache.set(key, q.get("value"), options);
        return json({ size: cache.size });
      }
      case "/get": {
        const value = cache.get(key);
        return json({ hit: value !== undefined, value: value ?? null });
      }
      case "/delete":
        return json({ deleted: cache.delete(key) });
      case "/keys":
        return json({ keys: cache.keys(), size: cache.size });
      case "/stats": {
        const stats = cache.getStats();
        return json({ gets: stats.gets, hits: stats.hits, misses: stats.misses, sets: stats.sets });
      }
      case "/frame": {
        // Worker timers do not run between requests: frames are built on demand.
        telemetry ??= new CacheManager({ name: "edge-telemetry", enableTelemetry: true, telemetryInterval: 60 });
        for (let i = 0; i < 20; i++) telemetry.get(`k${i % 5}`) ?? telemetry.set(`k${i % 5}`, i);
        return json(await telemetry.flushTelemetry());
      }
      case "/bad": {
        const kind = q.get("kind");
        if (kind === "object-key") return json(attempt(() => cache.set({}, 1)));
        if (kind === "long-key") return json(attempt(() => cache.set("k".repeat(17), 1)));
        if (kind === "undefined-value") return json(attempt(() => cache.set("a", undefined)));
        if (kind === "config") return json(attempt(() => new CacheManager({ maxEntries: -1 })));
        return json({ error: `unknown kind ${kind}` }, 400);
      }
      default:
        return json({ error: "not found" }, 404);
    }
  },
};
