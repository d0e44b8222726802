// Type declarations of the cache-wasm package.

/**
 * What the cache stores in a layer: the value, its absolute expiry in ms since the epoch
 * (0 = none) and, when `setAsync` or `fetch` was given one, its accounted size in bytes. A
 * record that is not an envelope reads as a miss and is removed.
 */
export interface Envelope<V = unknown> {
  v: V;
  exp: number;
  size?: number;
}

/**
 * A persistent layer below memory: any object with async get, set and delete (keyv-style).
 * `get` resolves to what `set` stored, or undefined/null when there is nothing; `ttlMs` is
 * the time left until the envelope's `exp` (absent for no expiry), for stores that expire
 * records themselves. A call may also return a plain value instead of a promise.
 */
export interface LayerStore {
  get(key: string): Promise<unknown> | unknown;
  set(key: string, value: Envelope, ttlMs?: number): Promise<unknown> | unknown;
  delete(key: string): Promise<unknown> | unknown;
}

/** One layer of `layers`. */
export interface Layer {
  /** Shown under `stats.layers[name]`; 1 to 64 characters, not "memory", unique. */
  name: string;
  store: LayerStore;
  /** How long a call may take before it counts as failed, in ms, 1–2147483647. Default 1000. */
  timeoutMs?: number;
}

/** Options of `indexedDbLayer`. */
export interface IndexedDbLayerOptions {
  /** Database name. Default "cache-wasm". */
  database?: string;
  /** Object store name. Default "entries". */
  objectStore?: string;
  /** The IndexedDB factory to use (an `IDBFactory`); undefined means none. Default `globalThis.indexedDB`. */
  indexedDB?: { open(name: string, version?: number): unknown } | undefined;
}

/** A layer over IndexedDB (browsers), with `close()` for its connection. */
export interface IndexedDbLayer extends LayerStore {
  close(): Promise<void>;
}

/** A layer over IndexedDB; values are stored as structured clones. */
export function indexedDbLayer(options?: IndexedDbLayerOptions | null): IndexedDbLayer;

/** The part of a Workers KV namespace binding that `kvLayer` uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number; expiration?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A layer over a Workers KV namespace binding (`env.MY_KV`); values are stored as JSON. */
export function kvLayer(namespace: KvNamespaceLike, options?: { prefix?: string } | null): LayerStore;

/** A write or delete that one or more layers refused. */
export class LayerError extends Error {
  /** Made by setAsync and deleteAsync: the key, and each refusing layer with its error in order. */
  constructor(op: "setAsync" | "deleteAsync", key: string, failures: { layer: string; error: unknown }[]);
  readonly name: "LayerError";
  /** "setAsync" or "deleteAsync". */
  readonly op: "setAsync" | "deleteAsync";
  /** The first layer that refused. */
  readonly layer: string;
  /** Every layer that refused, in order. */
  readonly layers: string[];
  /** Why each refused, in the order of `layers`. */
  readonly causes: unknown[];
}

/** A layer call that did not settle within the layer's `timeoutMs`. */
export class LayerTimeoutError extends Error {
  /** The layer, the call that timed out ("get", "set" or "delete") and its timeout in ms. */
  constructor(layer: string, op: string, ms: number);
  readonly name: "LayerTimeoutError";
  readonly layer: string;
}

/** Options of `setAsync` and `fetch`. */
export interface AsyncSetOptions {
  /** Milliseconds; 0 = no expiry. Defaults to `defaultTtl`. */
  ttl?: number;
  /** Accounted bytes in memory; estimated when absent. */
  size?: number;
}

/** Cache options. camelCase names; the snake_case spellings are accepted as aliases. */
export interface CacheOptions {
  /** The `cache` label in exports. Default "default". */
  name?: string;
  /** Entry bound, ≥ 1. Default 10000. */
  maxEntries?: number;
  /** Byte bound, or 0 for none. Default 0. */
  maxBytes?: number;
  /** TTL in ms for sets that give none; 0 = no expiry. Default 0. */
  defaultTtl?: number;
  /**
   * "exact" (default) reads the clock for every TTL check. "task" reads it once per
   * synchronous run of code (a task, or an async function's run up to its next await) and
   * reuses that reading until the run ends, so within a run an entry may be served after its
   * TTL.
   */
  ttlClock?: "exact" | "task";
  /** Longest key, in characters, 1–65536. Default 16384. */
  maxKeyLength?: number;
  /** Default "lru". */
  evictionPolicy?: "lru" | "tinylfu";
  /** Default false. */
  enableTelemetry?: boolean;
  /** Seconds between metric frames, ≥ 0.05. Default 60. */
  telemetryInterval?: number;
  /** Latency histograms and time windows. Default true. */
  metricsCollection?: boolean;
  /** Default false. */
  telemetryExport?: boolean;
  /** Default "prometheus". */
  telemetryExportFormat?: ExportFormat;
  /**
   * Where frames are pushed: a Pushgateway (`host:port` or an http(s) URL), a StatsD daemon
   * (`host:port` or `udp://host:port` from Node, or an http(s) URL; `?tags=k:v,…`,
   * `?flavor=dogstatsd` and `?prefix=` set StatsD options) or an http(s) URL for JSON frames.
   */
  telemetryExportEndpoint?: string | null;
  /** Default false. */
  alertOnHighMissRate?: boolean;
  /** Fraction 0–1. Default 0.5. */
  highMissRateThreshold?: number;
  /** Default false. */
  alertOnHighLatency?: boolean;
  /** Milliseconds. Default 100. */
  highLatencyThreshold?: number;
  /** The latency percentile the latency rule watches, 50–99.9. Default 95 (p95). */
  highLatencyPercentile?: number;
  /** Fewest samples (gets, or timed ops) a frame's window needs to fire or resolve an alert, ≥ 1. Default 20. */
  alertMinSamples?: number;
  /** Seconds after a resolve during which the same alert cannot fire again, 0–86400. Default 300. */
  alertCooldown?: number;
  /** A firing alert resolves at or below threshold × (1 − alertHysteresis); 0 ≤ value < 1. Default 0.1. */
  alertHysteresis?: number;
  /** Persistent layers below memory, in order. */
  layers?: Layer[];
  /** Share of synchronous memory operations whose latency is timed, 0–1. Default 0.01. */
  latencySampleRate?: number;
  /** A BroadcastChannel name that every frame is also posted to. Needs enableTelemetry. */
  telemetryChannel?: string | null;
  max_entries?: number;
  max_bytes?: number;
  default_ttl?: number;
  ttl_clock?: "exact" | "task";
  max_key_length?: number;
  eviction_policy?: "lru" | "tinylfu";
  enable_telemetry?: boolean;
  telemetry_interval?: number;
  metrics_collection?: boolean;
  telemetry_export?: boolean;
  telemetry_export_format?: "prometheus" | "statsd" | "json";
  telemetry_export_endpoint?: string | null;
  alert_on_high_miss_rate?: boolean;
  high_miss_rate_threshold?: number;
  alert_on_high_latency?: boolean;
  high_latency_threshold?: number;
  latency_sample_rate?: number;
  telemetry_channel?: string | null;
  high_latency_percentile?: number;
  alert_min_samples?: number;
  alert_cooldown?: number;
  alert_hysteresis?: number;
}

/** Validated settings, every option filled in. */
export class CacheConfig {
  constructor(options?: CacheOptions | CacheConfig);
  readonly name: string;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly defaultTtl: number;
  readonly ttlClock: "exact" | "task";
  readonly maxKeyLength: number;
  readonly evictionPolicy: "lru" | "tinylfu";
  readonly enableTelemetry: boolean;
  readonly telemetryInterval: number;
  readonly metricsCollection: boolean;
  readonly telemetryExport: boolean;
  readonly telemetryExportFormat: "prometheus" | "statsd" | "json";
  readonly telemetryExportEndpoint: string | null;
  readonly alertOnHighMissRate: boolean;
  readonly highMissRateThreshold: number;
  readonly alertOnHighLatency: boolean;
  readonly highLatencyThreshold: number;
  readonly highLatencyPercentile: number;
  readonly alertMinSamples: number;
  readonly alertCooldown: number;
  readonly alertHysteresis: number;
  readonly layers: Layer[];
  readonly latencySampleRate: number;
  readonly telemetryChannel: string | null;
  toJSON(): CacheOptions;
}

/** What `cache.config` gives: the validated settings of a `CacheConfig`, without `layers`. */
export type CacheSettings = Omit<CacheConfig, "layers" | "toJSON">;

/** Options of one `set`. */
export interface SetOptions {
  /** Milliseconds; 0 = no expiry. Defaults to `defaultTtl`. */
  ttl?: number;
  /** Accounted bytes; estimated when absent. */
  size?: number;
}

/** Latency of one operation; null with telemetry off. */
export interface Latency {
  count: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Figures of one layer. */
export interface LayerStats {
  gets: number;
  hits: number;
  misses: number;
  /** Percent 0–100. */
  hit_rate: number;
  latency: { get: Latency | null; set: Latency | null; delete: Latency | null };
  errors: { total: number; by_type: Record<ErrorType, number> };
}

/** The kinds of alert. */
export type AlertType = "high_miss_rate" | "high_latency";

/** An operation an alert watches. */
export type AlertOp = "get" | "set" | "delete";

/** One alert's state as stats and frames report it: one per kind, op and layer that has fired. */
export interface AlertState {
  type: AlertType;
  state: "firing" | "resolved";
  /** The value of the latest window with enough samples: a fraction for miss rate, ms for latency. */
  value: number;
  threshold: number;
  /** When the state last changed, ms since the epoch. */
  since_ms: number;
  op: AlertOp;
  /** "memory" or a layer's name. */
  layer: string;
}

/** What an alert handler is told about a transition. */
export interface AlertDetails {
  state: "firing" | "resolved";
  /** A fraction for miss rate, ms (the configured percentile) for latency. */
  value: number;
  /** Same unit as value. */
  threshold: number;
  /** Seconds of the frame's window that was evaluated. */
  window_s: number;
  /** Gets (miss rate) or timed operations (latency) in that window. */
  samples: number;
  /** "get" for miss rate; the operation watched for latency. */
  op: AlertOp;
  /** "memory" or a layer's name. */
  layer: string;
  /** When, ms since the epoch. */
  at_ms: number;
}

/** A transition as frames and the alert history carry it. */
export interface AlertEvent extends AlertDetails {
  type: AlertType;
}

/** Called on every alert transition; a throw or a rejected promise is counted, never rethrown. */
export type AlertHandler = (alertType: AlertType, details: AlertDetails) => void | Promise<void>;

/** The span of a stats snapshot. */
export type Period = "all" | "minute" | "hour" | "day";

/** The kinds of error counted under `errors.by_type`. */
export type ErrorType =
  | "bad_input"
  | "layer"
  | "loader"
  | "export"
  | "alert_handler"
  | "subscriber"
  | "internal";

/** What `getStats` returns. */
export interface Stats {
  period: Period;
  window_start_ms: number;
  window_end_ms: number;
  gets: number;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Percent 0–100; 0 when gets is 0. */
  hit_rate: number;
  /** Percent 0–100; 0 when gets is 0. */
  miss_rate: number;
  latency: { get: Latency | null; set: Latency | null; delete: Latency | null };
  size: { entries: number; bytes: number; max_entries: number; max_bytes: number };
  /** Entries the cache chose to remove: to stay within `maxEntries` (`capacity`) or
   * `maxBytes` (`bytes`), or because their TTL ran out (`expired`). `total` is their sum. */
  evictions: {
    total: number;
    by_cause: {
      capacity: number;
      bytes: number;
      expired: number;
    };
  };
  /** Entries removed explicitly, never counted as evictions: by `delete` (`deleted`), by a
   * `set` of a stored key (`replaced`) or by `clear()` (`cleared`). `total` is their sum. */
  removals: {
    total: number;
    by_cause: {
      deleted: number;
      replaced: number;
      cleared: number;
    };
  };
  errors: { total: number; by_type: Record<ErrorType, number> };
  ttl: {
    expired: number;
    expired_unread: number;
    entries_with_ttl: number;
    mean_ttl_ms: number;
    mean_remaining_ttl_at_hit_ms: number;
  };
  layers: { memory: LayerStats; [layer: string]: LayerStats };
  alerts: AlertState[];
}

/** A metric frame, built every `telemetryInterval` seconds and by `flushTelemetry()`
 * (JSON Schema: `schema/frame.schema.json` in the repository). */
export interface MetricFrame {
  schema: "cache-wasm/frame@1";
  seq: number;
  ts_ms: number;
  cache: string;
  instance: string;
  interval_s: number;
  /** Stats since creation. */
  totals: Stats;
  /** Stats of the interval just ended (its period is "interval"). */
  window: Omit<Stats, "period"> & { period: "interval" };
  /** The alert transitions of this frame. */
  alerts: AlertEvent[];
}

/** A text format of `exportMetrics` and of pushes. */
export type ExportFormat = "prometheus" | "statsd" | "json";

/** The push queue of `telemetryExport`, as `exportStatus()` reports it. */
export interface ExportStatus {
  format: ExportFormat;
  /** How pushes travel: HTTP (`fetch`) or UDP (StatsD from Node). */
  transport: "http" | "udp";
  /** Payloads waiting to be sent. */
  queued: number;
  /** The most payloads that wait; a push beyond it drops the oldest. */
  maxQueue: number;
  /** Whether a send is under way. */
  inFlight: boolean;
  /** Payloads delivered. */
  sent: number;
  /** Payloads given up after their retries, or at once when answered with a redirect (each also counted in `errors.by_type.export`). */
  failed: number;
  /** Payloads dropped from a full queue (each also counted in `errors.by_type.export`). */
  dropped: number;
  /** Unsent Prometheus pushes replaced by a newer one (the Pushgateway keeps only the latest). */
  superseded: number;
  /** Retries made. */
  retries: number;
  /** Payloads ended by `close()`. */
  cancelled: number;
  /** Why the latest payload was lost, or null. */
  lastError: string | null;
  /** Whether `close()` was called. */
  closed: boolean;
}

/** A cache of string keys (numbers are stored as their decimal string) with stats. */
export class CacheManager<V = unknown> {
  constructor(config?: CacheOptions | CacheConfig);
  /** The value, or undefined on a miss or expiry. Refreshes recency. */
  get(key: string | number): V | undefined;
  /** Like get, without touching recency or stats. */
  peek(key: string | number): V | undefined;
  /** Whether a live entry exists; does not touch recency. */
  has(key: string | number): boolean;
  /** Stores a value; `undefined` is not storable. Returns the cache. */
  set(key: string | number, value: V, options?: SetOptions): this;
  /** Removes the key; true when it was there. */
  delete(key: string | number): boolean;
  /** Removes every entry. */
  clear(): void;
  /** Live entries. */
  readonly size: number;
  /** Accounted bytes. */
  readonly bytes: number;
  /** Live keys, most recently used first; with `limit`, only the `limit` most recent. */
  keys(limit?: number): string[];
  /** Stats since creation ("all", the default, also for `{}`) or for a window ending now. */
  getStats(period?: Period | { period?: Period }): Stats;
  /**
   * The metrics as text: Prometheus text exposition 0.0.4, StatsD lines (counters are deltas
   * since the previous `exportMetrics("statsd")`; pushes keep their own) or a JSON frame.
   * Defaults to `telemetryExportFormat`.
   */
  exportMetrics(format?: ExportFormat): string;
  /** The push queue's figures, or null when `telemetryExport` is off. */
  exportStatus(): ExportStatus | null;
  /** Calls `callback` with every metric frame; returns a function that unsubscribes. */
  onMetrics(callback: (frame: MetricFrame) => void | Promise<void>): () => void;
  /** Calls `handler` on every alert transition; returns a function that unregisters it. */
  registerAlertHandler(handler: AlertHandler): () => void;
  /** Builds a frame now, runs the alert rules and delivers it; resolves to the frame. */
  flushTelemetry(): Promise<MetricFrame>;
  /** The last alert transitions (at most 100), oldest first. */
  getAlertHistory(): AlertEvent[];
  /** Stops the telemetry timers, ends pending exports and closes the telemetry channel. */
  close(): void;
  /** From memory, else the first layer that has it (promoted upward); undefined on a miss. */
  getAsync(key: string | number): Promise<V | undefined>;
  /** Writes through to memory and every layer; rejects with a LayerError when a layer refuses. */
  setAsync(key: string | number, value: V, options?: AsyncSetOptions): Promise<this>;
  /**
   * Removes from memory and every layer; resolves to whether memory had it or a store's
   * delete said so (true, or a count above 0: the IndexedDB layer says, the KV layer does
   * not); LayerError on refusal.
   */
  deleteAsync(key: string | number): Promise<boolean>;
  /**
   * Read-through: memory, the layers, then one shared `loader(key)` call for concurrent
   * misses; the loaded value is written through unless it is undefined. A loader error
   * reaches every waiter and is not cached.
   */
  fetch(key: string | number, loader: (key: string) => V | undefined | Promise<V | undefined>, options?: AsyncSetOptions): Promise<V | undefined>;
  /** Resolves once every layer call in progress has settled, including ones that timed out. */
  settled(): Promise<void>;
  /** One self-contained HTML report (inline SVG charts, no script, a Content-Security-Policy). */
  generateDashboard(): string;
  /** The validated settings, every option filled in (camelCase); `layers` is not among them. */
  readonly config: CacheSettings;
  /**
   * Stops telemetry and releases the instance's wasm memory. Every later call throws (or
   * rejects) an Error saying the cache was freed, except `close()` and `free()`, which do
   * nothing; `config` stays readable.
   */
  free(): void;
}

/** Bytes of WebAssembly memory the module holds; it grows in 64 KiB pages and never shrinks. */
export function wasmMemoryBytes(): number;

/** Instantiates the module; idempotent, and a no-op where it is already instantiated. */
export default function init(input?: unknown): Promise<void>;
export { init };
