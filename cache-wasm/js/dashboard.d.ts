// Types of "cache-wasm/dashboard": the live dashboard.
import type { CacheManager } from "./index.js";

/** An alert transition as `onAlert` receives it. */
export interface DashboardAlertDetails {
  state: "firing" | "resolved";
  /** A fraction for high_miss_rate, milliseconds for high_latency. */
  value: number;
  /** Same unit as `value`. */
  threshold: number;
  window_s: number;
  samples: number;
  op: "get" | "set" | "delete" | string;
  layer: string;
  at_ms: number;
  /** The name of the cache whose frame carried the alert. */
  cache: string;
}

export interface MountDashboardOptions {
  /** A CacheManager with telemetry on, "broadcast:<channel>", or a URL serving frames (JSON or text/event-stream). */
  source: CacheManager<any> | `broadcast:${string}` | string | URL;
  /** Called once per alert transition the frames carry. */
  onAlert?: (alertType: "high_miss_rate" | "high_latency" | string, details: DashboardAlertDetails) => void;
}

export interface DashboardHandle {
  /** Resolves once the dashboard is drawn (its wasm loaded). */
  readonly ready: Promise<void>;
  /** Stops reading frames and removes the dashboard. */
  unmount(): void;
}

/** Draws the live dashboard into `element`. */
export function mountDashboard(element: Element, options: MountDashboardOptions): DashboardHandle;
export default mountDashboard;
