// Starts a throwaway redis-server on a free 127.0.0.1 port (no persistence) and stops it.
import { freePort, startProcess } from "./process.mjs";

export const REDIS_SERVER = "/usr/bin/redis-server";

/** Resolves to { port, url, stop(), output() } once the server accepts connections. */
export async function startRedis({ timeout = 15_000 } = {}) {
  const port = await freePort();
  const server = await startProcess(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
    { readyText: "Ready to accept connections", timeout },
  );
  return { port, url: `redis://127.0.0.1:${port}`, stop: server.stop, output: server.output };
}
