// Starts workerd with tests/workerd/config.capnp (the package installed from the packed tarball) on a free port.
import workerd from "workerd";
import { scratchProject } from "./consumer.mjs";
import { freePort, startProcess } from "./process.mjs";

// The workerd binary itself: npm's bin script is a wrapper that would outlive a signal.
const WORKERD = workerd.default;

/** Resolves to { base, stop(), output() } once the Worker in `dir`/config.capnp answers `readyPath`. */
export async function startWorkerd(dir, readyPath = "/keys") {
  scratchProject("workerd");
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const server = await startProcess(WORKERD, ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
        cwd: dir,
        readyUrl: `http://127.0.0.1:${port}${readyPath}`,
      });
      return { base: `http://127.0.0.1:${port}`, stop: server.stop, output: server.output };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
