// Type-checks an ES-module consumer of the package under --strict; each @ts-expect-error must be an error.
import init, { CacheConfig, CacheManager, type AlertDetails, type AlertType, type ExportStatus, type MetricFrame, type Stats } from "cache-wasm";

await init();
const cache = new CacheManager<{ n: number }>({ maxEntries: 10, evictionPolicy: "tinylfu" });
cache.set("a", { n: 1 }, { ttl: 5, size: 3 }).set(2, { n: 2 });
const value: { n: number } | undefined = cache.get("a");
const peeked: { n: number } | undefined = cache.peek(2);
const present: boolean = cache.has("a") && cache.delete("a");
const keys: string[] = cache.keys();
const counts: number = cache.size + cache.bytes;
const stats: Stats = cache.getStats("hour");
const figures: number[] = [stats.hit_rate, stats.miss_rate, stats.evictions.total, stats.removals.by_cause.replaced, stats.size.max_entries];
const p95: number | undefined = cache.getStats({ period: "day" }).latency.get?.p95_ms;
const sinceCreation: number = cache.getStats({}).gets;
new CacheManager(new CacheConfig({ max_entries: 5, enable_telemetry: false }));
new CacheManager();
cache.clear();
const text: string = cache.exportMetrics("prometheus") + cache.exportMetrics();
const queue: ExportStatus | null = cache.exportStatus();
const queued: number | undefined = queue?.queued;
const watched = new CacheManager({
  enableTelemetry: true,
  alertOnHighLatency: true,
  highLatencyPercentile: 99,
  alertMinSamples: 5,
  alert_cooldown: 30,
  alertHysteresis: 0.2,
});
const seen: [AlertType, AlertDetails][] = [];
const off: () => void = watched.registerAlertHandler((type, details) => {
  const where: string = `${details.op} ${details.layer} ${details.state} ${details.value}/${details.threshold}`;
  const span: number = details.window_s + details.samples + details.at_ms;
  seen.push([type, details]);
  void where;
  void span;
});
off();
const frame: MetricFrame = await watched.flushTelemetry();
const firing: boolean = frame.alerts.some((a) => a.type === "high_latency" && a.state === "firing");
const history: number = watched.getAlertHistory().length + watched.getStats().alerts.filter((a) => a.layer === "memory").length;
const cooldown: number = new CacheConfig({ enableTelemetry: true }).alertCooldown;
// `config` holds every setting, filled in, under its camelCase name.
const settings = watched.config;
const bound: number = settings.maxEntries + settings.alertMinSamples + settings.telemetryInterval;
const policy: "lru" | "tinylfu" = settings.evictionPolicy;
const endpoint: string | null = settings.telemetryExportEndpoint;
const telemetryOn: boolean = settings.enableTelemetry;
watched.close();
export { sinceCreation, value, peeked, present, keys, counts, figures, p95, text, queued, seen, firing, history, cooldown, bound, policy, endpoint, telemetryOn };

// @ts-expect-error maxEntries is a number
new CacheManager({ maxEntries: "x" });
// @ts-expect-error evictionPolicy is "lru" or "tinylfu"
new CacheManager({ evictionPolicy: "fifo" });
// @ts-expect-error unknown options are errors
new CacheManager({ colour: "red" });
// @ts-expect-error keys are strings or numbers
cache.get({});
// @ts-expect-error the value type is checked
cache.set("b", "not an object");
// @ts-expect-error ttl is a number
cache.set("c", { n: 3 }, { ttl: "5" });
// @ts-expect-error stats fields are numbers
export const wrong: string = stats.gets;
// @ts-expect-error explicit removals are under removals, not evictions
export const deletedEvictions: number = stats.evictions.by_cause.deleted;
// @ts-expect-error periods are "all", "minute", "hour" or "day"
cache.getStats("week");
// @ts-expect-error periods are "all", "minute", "hour" or "day", also as { period }
cache.getStats({ period: "week" });
// @ts-expect-error export formats are "prometheus", "statsd" or "json"
cache.exportMetrics("xml");
// @ts-expect-error alertMinSamples is a number
new CacheManager({ enableTelemetry: true, alertMinSamples: "20" });
// @ts-expect-error config has the camelCase names only
export const snakeSetting: unknown = watched.config.max_entries;
// @ts-expect-error config has no layers (they hold live stores)
export const configLayers: unknown = watched.config.layers;
// @ts-expect-error handlers take (alertType, details)
watched.registerAlertHandler((type: number) => type);
// @ts-expect-error details.op is "get", "set" or "delete"
watched.registerAlertHandler((_t, d) => { const op: "put" = d.op; return op; });

// Layers: keyv-style stores, the built-in adapters and the async methods.
import { indexedDbLayer, kvLayer, LayerError, LayerTimeoutError, type Envelope, type LayerStore } from "cache-wasm";
const records = new Map<string, Envelope>();
const mapStore: LayerStore = {
  get: async (k) => records.get(k),
  set: async (k, v) => void records.set(k, v),
  delete: async (k) => records.delete(k),
};
const kvBinding = {
  get: async (_k: string) => null,
  put: async (_k: string, _v: string) => {},
  delete: async (_k: string) => {},
};
const layered = new CacheManager<string>({
  layers: [
    { name: "map", store: mapStore, timeoutMs: 250 },
    { name: "kv", store: kvLayer(kvBinding, { prefix: "c:" }) },
    { name: "idb", store: indexedDbLayer({ database: "d" }) },
  ],
});
const exportNames: string[] = [];
const got: string | undefined = await layered.getAsync("k");
await layered.setAsync("k", "v", { ttl: 1000 });
const removed: boolean = await layered.deleteAsync("k");
const loaded: string | undefined = await layered.fetch("k", async (key) => key.toUpperCase(), { ttl: 5 });
try {
  await layered.setAsync("k", "v");
} catch (err) {
  if (err instanceof LayerError) {
    const names: string[] = err.layers;
    exportNames.push(...names, err.layer);
  }
}
const refused = new LayerError("setAsync", "k", [{ layer: "map", error: new Error("full") }]);
const refusedBy: string = refused.layer + refused.layers.join() + refused.op;
export { got, removed, loaded, exportNames, refusedBy };
// @ts-expect-error a LayerError is made from its op, key and failures, not a message
new LayerError("refused");
export const late: string = new LayerTimeoutError("map", "get", 250).layer;
// @ts-expect-error a LayerTimeoutError is made from its layer, op and timeout, not a message
new LayerTimeoutError("too slow");
// @ts-expect-error a layer needs a store
new CacheManager({ layers: [{ name: "x" }] });
// @ts-expect-error fetch's loader must give the value type
await layered.fetch("k", async () => 42);
