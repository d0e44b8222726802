// Follower page: mounts the dashboard on a BroadcastChannel (?channel=<name>, default cache-wasm-demo).
import { mountDashboard } from "cache-wasm/dashboard";

const channel = new URLSearchParams(location.search).get("channel") || "cache-wasm-demo";
document.getElementById("channel").textContent = `broadcast:${channel}`;
window.followAlerts = [];
const handle = mountDashboard(document.getElementById("dashboard"), {
  source: `broadcast:${channel}`,
  onAlert: (type, details) => window.followAlerts.push({ type, details }),
});
handle.ready.then(() => {
  document.body.dataset.ready = "true";
});
