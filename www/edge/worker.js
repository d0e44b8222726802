// A Cloudflare Worker (ES-module syntax) that caches an upstream's responses with cache-wasm (memory,
// then Workers KV), serves the cache's metrics to Prometheus at /metrics and its metric frames to the
// live dashboard at /frames (server-sent events) and /frames.json (polled JSON).
//
// Bindings: CACHE_KV (a KV namespace), UPSTREAM (the origin's base URL) and, optionally,
// FRAME_INTERVAL_S (seconds between metric frames, default 1).
import { CacheManager, kvLayer } from "cache-wasm";

const DEFAULT_FRAME_INTERVAL_S = 1;
// Frames kept for /frames.json and for a new event stream's first message.
const FRAMES_KEPT = 30;
// An event stream ends after this long; EventSource reconnects by itself.
const STREAM_MS = 5 * 60_000;
// Content types whose bodies are cached (stored as text, in memory and in KV).
const TEXT_TYPE = /^text\/|[/+](json|xml|javascript|ecmascript)\b/i;
const PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
// The cache's longest key (its maxKeyLength); a longer path is passed through uncached.
const MAX_KEY_LENGTH = 16_384;
// Workers KV refuses keys over 512 bytes; a longer one is stored under its SHA-256 digest.
const KV_PREFIX = "resp:";
const KV_KEY_BYTES = 512;

// One cache per isolate, built by the first request: at module scope the clock reads 0 and the
// bindings are not passed yet.
let cache = null;
let env = null;
let frameIntervalS = DEFAULT_FRAME_INTERVAL_S;
let frames = [];
let lastFrameAt = 0;
let building = null;
let isolate = null;

function setUp(bindings) {
  if (cache !== null) return;
  env = bindings;
  frameIntervalS = positive(env.FRAME_INTERVAL_S, DEFAULT_FRAME_INTERVAL_S);
  cache = new CacheManager({
    name: "edge",
    maxEntries: 5000,
    enableTelemetry: true,
    telemetryInterval: frameIntervalS,
    maxKeyLength: MAX_KEY_LENGTH,
    layers: [{ name: "kv", store: kvStore(env.CACHE_KV), timeoutMs: 1000 }],
  });
  // Every frame is kept, whether flushTelemetry() built it or the cache's own timer did (a timer
  // runs only while the request that set it is alive, so most frames come from flushTelemetry()).
  lastFrameAt = Date.now();
  cache.onMetrics((frame) => {
    lastFrameAt = frame.ts_ms;
    frames.push(frame);
    if (frames.length > FRAMES_KEPT) frames = frames.slice(-FRAMES_KEPT);
  });
}

/** A KV layer whose keys too long for KV are replaced by their digest (memory keeps the path). */
function kvStore(namespace) {
  const store = kvLayer(namespace, { prefix: KV_PREFIX });
  return {
    get: async (key) => store.get(await kvKey(key)),
    set: async (key, value, ttlMs) => store.set(await kvKey(key), value, ttlMs),
    delete: async (key) => store.delete(await kvKey(key)),
  };
}

/** `key`, or "sha256:" and its SHA-256 in hex if KV_PREFIX + key is over KV_KEY_BYTES. */
export async function kvKey(key) {
  const bytes = new TextEncoder().encode(key);
  if (KV_PREFIX.length + bytes.length <= KV_KEY_BYTES) return key;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `sha256:${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function positive(text, fallback) {
  const n = Number(text);
  return text !== undefined && text !== null && text !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Builds a frame when the last one is at least an interval old; resolves when it is kept. */
function frameIfDue() {
  if (building !== null) return building;
  if (Date.now() - lastFrameAt < frameIntervalS * 1000) return Promise.resolve();
  building = cache
    .flushTelemetry()
    .then(() => {})
    .finally(() => {
      building = null;
    });
  return building;
}

/** This isolate's id, as in the frames' `instance`. */
function isolateId() {
  isolate ??= JSON.parse(cache.exportMetrics("json")).instance;
  return isolate;
}

/** The Prometheus text with an `instance` label (this isolate) on every sample. */
function metricsText() {
  const label = `instance="${isolateId()}"`;
  return cache
    .exportMetrics("prometheus")
    .split("\n")
    .map((line) => {
      if (line === "" || line.startsWith("#")) return line;
      const brace = line.indexOf("{");
      if (brace >= 0) return `${line.slice(0, brace + 1)}${label},${line.slice(brace + 1)}`;
      const space = line.indexOf(" ");
      return `${line.slice(0, space)}{${label}}${line.slice(space)}`;
    })
    .join("\n");
}

/**
 * The TTL in ms that a response's Cache-Control allows a shared cache, less the `ageS` seconds it
 * has already spent in caches upstream, or 0 for none.
 */
export function ttlOf(cacheControl, ageS = 0) {
  const directives = new Map();
  for (const part of (cacheControl ?? "").split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ""));
  }
  if (["no-store", "no-cache", "private"].some((d) => directives.has(d))) return 0;
  const seconds = Number(directives.get("s-maxage") ?? directives.get("max-age"));
  return Number.isFinite(seconds) && seconds > ageS ? Math.floor((seconds - ageS) * 1000) : 0;
}

/** A response's Age in seconds: the first value if it is a whole number, otherwise 0. */
export function ageOf(header) {
  const first = (header ?? "").split(",")[0].trim();
  return /^\d+$/.test(first) ? Number(first) : 0;
}

/**
 * The upstream URL for a request: UPSTREAM's origin, its path joined with the request's path, and
 * the request's query. It is never resolved as a relative URL, since a request path such as
 * //other.host/x would then replace the upstream's host. Null if it would leave UPSTREAM's origin
 * or path.
 */
export function upstreamUrl(upstream, pathname, search) {
  const base = new URL(upstream);
  const prefix = base.pathname.replace(/\/$/, "");
  const target = new URL(base.origin);
  target.pathname = prefix + pathname;
  target.search = search;
  return target.origin === base.origin && target.pathname.startsWith(`${prefix}/`) ? target : null;
}

/**
 * Whether a response's Vary names a request header the loader forwards (Accept, the only one) or
 * `*`: then another client's request for the same path could get a different answer, and the
 * response is not stored. The other headers the loader sends are the same for every client.
 */
export function variesByClient(vary) {
  return (vary ?? "").split(",").some((name) => ["*", "accept"].includes(name.trim().toLowerCase()));
}

/**
 * The query with its parameters sorted by name, so that one entry serves them in any order. The
 * sort is stable (a repeated name keeps its values' order) and leaves each parameter as it came.
 */
export function sortedQuery(search) {
  const params = search.slice(1).split("&").filter((p) => p !== "");
  const name = (p) => p.split("=", 1)[0];
  params.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  return params.length > 0 ? `?${params.join("&")}` : "";
}

/** Requests `target` from the upstream; the record and how long it may be cached. */
async function loadUpstream(target, request) {
  const res = await fetch(target, { headers: { accept: request.headers.get("accept") ?? "*/*" } });
  const type = res.headers.get("content-type") ?? "application/octet-stream";
  const cacheControl = res.headers.get("cache-control");
  const storable = res.status === 200 && TEXT_TYPE.test(type) && !variesByClient(res.headers.get("vary"));
  const age = ageOf(res.headers.get("age"));
  const ttl = storable ? ttlOf(cacheControl, age) : 0;
  if (ttl === 0) return { ttl, response: res };
  // `at` is when the response was fresh at the origin, so the Age answered includes the upstream's.
  const record = { status: res.status, type, cacheControl, body: await res.text(), at: Date.now() - age * 1000 };
  return { ttl, record };
}

function fromRecord(record, state) {
  const headers = { "content-type": record.type, "x-cache": state };
  if (record.cacheControl) headers["cache-control"] = record.cacheControl;
  headers.age = String(Math.max(0, Math.floor((Date.now() - record.at) / 1000)));
  return new Response(record.body, { status: record.status, headers });
}

function passed(res) {
  const out = new Response(res.body, res);
  out.headers.set("x-cache", "PASS");
  return out;
}

/**
 * Read-through over memory and KV. Concurrent misses of one path share one upstream request. The
 * TTL comes with the response, so the loader writes a cacheable record itself with that TTL (a write
 * during a load wins over the load's own store); an uncacheable response is not stored (the loader
 * returns undefined) and is not shared: the other waiters ask the upstream themselves.
 */
async function cached(path, target, request) {
  const inMemory = cache.has(path);
  let led = false;
  let own = null;
  const record = await cache.fetch(path, async () => {
    led = true;
    const loaded = await loadUpstream(target, request);
    if (loaded.ttl === 0) {
      own = loaded.response;
      return undefined;
    }
    try {
      await cache.setAsync(path, loaded.record, { ttl: loaded.ttl });
    } catch {
      // KV refused the write (counted under its errors); memory holds the record.
    }
    return loaded.record;
  });
  if (record !== undefined) return fromRecord(record, inMemory || !led ? "HIT" : "MISS");
  if (own !== null) return passed(own);
  const { ttl, response, record: late } = await loadUpstream(target, request);
  return ttl === 0 ? passed(response) : fromRecord(late, "MISS");
}

const CORS = { "access-control-allow-origin": "*", "cache-control": "no-store" };

/** An event stream of frames: the latest kept frame, then each new one, until the client leaves. */
function frameStream() {
  const { readable, writable } = new TransformStream();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const send = (frame) => writer.write(encoder.encode(`id: ${frame.seq}\ndata: ${JSON.stringify(frame)}\n\n`));
  const run = async () => {
    const end = Date.now() + STREAM_MS;
    await frameIfDue();
    await writer.write(encoder.encode("retry: 1000\n\n"));
    let sent = frames.length > 0 ? frames[frames.length - 1].seq : -1;
    if (sent >= 0) await send(frames[frames.length - 1]);
    while (Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, frameIntervalS * 1000));
      await frameIfDue();
      for (const frame of frames) {
        if (frame.seq > sent) {
          await send(frame);
          sent = frame.seq;
        }
      }
    }
    await writer.close();
  };
  // A write fails once the client has gone; the stream simply ends.
  run().catch(() => writer.abort().catch(() => {}));
  return new Response(readable, { headers: { ...CORS, "content-type": "text/event-stream" } });
}

export default {
  async fetch(request, bindings, ctx) {
    setUp(bindings);
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/metrics":
        ctx.waitUntil(frameIfDue());
        return new Response(metricsText(), { headers: { "content-type": PROMETHEUS_TYPE } });
      case "/frames.json":
        await frameIfDue();
        return new Response(JSON.stringify(frames), { headers: { ...CORS, "content-type": "application/json" } });
      case "/frames":
        return frameStream();
      default:
        break;
    }
    if (!env.UPSTREAM) return new Response("the UPSTREAM binding (the origin's base URL) is not set\n", { status: 500 });
    ctx.waitUntil(frameIfDue());
    const search = sortedQuery(url.search);
    const target = upstreamUrl(env.UPSTREAM, url.pathname, search);
    if (target === null) return new Response("bad request path\n", { status: 400 });
    const key = url.pathname + search;
    try {
      // Only GETs are cached, and only under keys the cache takes; the rest are passed through with
      // all their headers.
      if (request.method !== "GET" || key.length > MAX_KEY_LENGTH) return passed(await fetch(target, request));
      return await cached(key, target, request);
    } catch (err) {
      return new Response(`upstream failed: ${err?.message ?? err}\n`, { status: 502, headers: { "x-cache": "ERROR" } });
    }
  },
};
