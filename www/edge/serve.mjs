// `make edge`: starts the demo origin (unless UPSTREAM_URL names one) and the edge Worker under the
// npm workerd binary on 127.0.0.1, and stops both on Ctrl-C.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import workerd from "workerd";
import { startOrigin } from "./origin.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const { values } = parseArgs({ options: { port: { type: "string", default: "8787" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`edge: --port must be a TCP port, got ${values.port}`);
  process.exit(2);
}

const origin = process.env.UPSTREAM_URL ? null : await startOrigin();
const upstream = process.env.UPSTREAM_URL ?? origin.url;
const child = spawn(workerd.default, ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
  cwd: HERE,
  stdio: "inherit",
  env: { ...process.env, UPSTREAM_URL: upstream },
});
console.log(`edge: upstream ${upstream}${origin ? " (the demo origin: /, /time, /live, /items/<n>)" : ""}`);
console.log(`edge: http://127.0.0.1:${port}/  metrics: /metrics  frames: /frames (SSE), /frames.json`);

const stop = () => {
  child.kill("SIGTERM");
  origin?.close();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code, signal) => {
  origin?.close();
  process.exitCode = code ?? (signal === "SIGTERM" || signal === "SIGINT" ? 0 : 1);
});
