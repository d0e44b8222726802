// A small static file server for the demo and the browser tests; binds 127.0.0.1 only.
import { createServer } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
};

// Maps a URL path to a file under one of the mounts, or null when none matches.
async function locate(mounts, urlPath) {
  for (const [prefix, dir] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const rest = urlPath.slice(prefix.length);
    const root = resolve(dir);
    let file = resolve(join(root, rest));
    if (file !== root && !file.startsWith(root + sep)) return null;
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = join(file, "index.html");
        info = await stat(file);
      }
      if (info.isFile()) return { file, size: info.size };
    } catch {
      // Not under this mount; try the next one.
    }
  }
  return null;
}

/**
 * Starts a server. `mounts` maps URL prefixes ("/", "/pkg/") to directories; longer prefixes win.
 * Resolves to { server, port, url, close() }.
 */
export async function startServer({ mounts, port = 0, host = "127.0.0.1" }) {
  const ordered = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const server = createServer(async (req, res) => {
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const found = await locate(ordered, urlPath);
    if (!found) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(found.file)] ?? "application/octet-stream",
      "content-length": found.size,
      "cache-control": "no-store",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    // A file removed since it was found (a rebuild of the package) ends this response only.
    createReadStream(found.file)
      .on("error", () => res.destroy())
      .pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, ok);
  });
  const actual = server.address().port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}/`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

// Command line: node scripts/serve.mjs [--port N] PREFIX=DIR ...
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let port = 8080;
  const mounts = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--port") {
      port = Number(args[++i]);
    } else {
      const eq = args[i].indexOf("=");
      if (eq < 1) {
        console.error(`serve: expected PREFIX=DIR, got ${args[i]}`);
        process.exit(2);
      }
      mounts[args[i].slice(0, eq)] = args[i].slice(eq + 1);
    }
  }
  if (Object.keys(mounts).length === 0) mounts["/"] = ".";
  const { url } = await startServer({ mounts, port });
  for (const [prefix, dir] of Object.entries(mounts)) console.log(`  ${prefix} -> ${dir}`);
  console.log(`Serving on ${url} (Ctrl-C to stop)`);
}
