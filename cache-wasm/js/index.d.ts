// Type declarations of the cache-wasm package.

/** A persistent layer below memory: any object with async get, set and delete (keyv-style). */
export interface LayerStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlMs?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/** One layer of `layers`. */
export interface Layer {
  name: string;
  store: LayerStore;
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
  /** Longest key, in characters. Default 16384. */
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
  telemetryExportFormat?: "prometheus" | "statsd" | "json";
  /** "host:port" or a URL. */
  telemetryExportEndpoint?: string | null;
  /** Default false. */
  alertOnHighMissRate?: boolean;
  /** Fraction 0–1. Default 0.5. */
  highMissRateThreshold?: number;
  /** Default false. */
  alertOnHighLatency?: boolean;
  /** Milliseconds. Default 100. */
  highLatencyThreshold?: number;
  /** Persistent layers below memory, in order. */
  layers?: Layer[];
  max_entries?: number;
  max_bytes?: number;
  default_ttl?: number;
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
}

/** Validated settings, every option filled in. */
export class CacheConfig {
  constructor(options?: CacheOptions | CacheConfig);
  readonly name: string;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly defaultTtl: number;
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
  readonly layers: Layer[];
  toJSON(): CacheOptions;
}

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
  errors: { total: number; by_type: Record<string, number> };
}

/** One alert's state as stats and frames report it. */
export interface AlertState {
  type: "high_miss_rate" | "high_latency" | string;
  state: "firing" | "resolved";
  value: number;
  threshold: number;
  since_ms: number;
}

/** The span of a stats snapshot. */
export type Period = "all" | "minute" | "hour" | "day";

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
  evictions: {
    total: number;
    by_cause: {
      capacity: number;
      bytes: number;
      expired: number;
      deleted: number;
      replaced: number;
      cleared: number;
    };
  };
  errors: { total: number; by_type: Record<string, number> };
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
  /** Live keys, most recently used first. */
  keys(): string[];
  /** Stats since creation ("all") or for a window ending now. */
  getStats(period?: Period | { period: Period }): Stats;
  /** One self-contained HTML report (inline SVG charts, no script, a Content-Security-Policy). */
  generateDashboard(): string;
  /** The validated settings. */
  readonly config: Omit<CacheOptions, "layers">;
  /** Releases the instance's wasm memory. */
  free(): void;
}

/** Instantiates the module; idempotent, and a no-op where it is already instantiated. */
export default function init(input?: unknown): Promise<void>;
export { init };
