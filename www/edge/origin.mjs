// A small demo origin for `make edge`: a few paths with different Cache-Control headers, so that
// the Worker's hits, misses, expiries and passes show up in /metrics and on the dashboard.
import { createServer } from "node:http";

const started = Date.now();

const routes = {
  "/": { cacheControl: "public, max-age=60", type: "text/plain; charset=utf-8", body: () => "cache-wasm edge demo origin\n" },
  "/time": { cacheControl: "public, max-age=5", type: "application/json", body: () => JSON.stringify({ now: new Date().toISOString() }) },
  "/live": { cacheControl: "no-store", type: "application/json", body: () => JSON.stringify({ uptime_ms: Date.now() - started }) },
};

/** Serves the demo paths on 127.0.0.1:`port` (0 for any free port); resolves to { url, close() }. */
export function startOrigin(port = 0) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://origin").pathname;
    let route = routes[path];
    // /items/<n>: cacheable for 30 s, answered after a short delay like a real backend.
    if (route === undefined && /^\/items\/\d{1,6}$/.test(path)) {
      route = { cacheControl: "public, max-age=30", type: "application/json", body: () => JSON.stringify({ item: Number(path.slice(7)) }), delayMs: 50 };
    }
    if (route === undefined) {
      res.writeHead(404, { "content-type": "text/plain", "cache-control": "no-store" }).end("not found\n");
      return;
    }
    setTimeout(() => {
      res.writeHead(200, { "content-type": route.type, "cache-control": route.cacheControl }).end(route.body());
    }, route.delayMs ?? 0);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    );
  });
}
