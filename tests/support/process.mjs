// Starting and stopping child servers on free loopback ports.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A loopback port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const running = new Set();

// Signals the child's whole process group, so that helpers it started stop with it.
function signal(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    // Already gone.
  }
}

process.on("exit", () => {
  for (const child of running) signal(child, "SIGKILL");
});

// Interrupted (Ctrl-C, a CI timeout): stop the servers, then die of the same signal.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(sig, () => {
    for (const child of running) signal(child, "SIGKILL");
    process.kill(process.pid, sig);
  });
}

/**
 * Spawns a server and polls `readyUrl` until it answers, or, for servers that speak no HTTP,
 * waits until its output contains `readyText`. Resolves to { child, output(), stop() };
 * stop() sends SIGTERM, then SIGKILL after a grace period.
 */
export async function startProcess(command, args, { cwd, readyUrl, readyText, timeout = 30_000, env } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      exited = { code, signal };
      resolve();
    }),
  );
  const stop = async () => {
    if (exited) return;
    signal(child, "SIGTERM");
    const timer = setTimeout(() => signal(child, "SIGKILL"), 5_000);
    await exitPromise;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeout;
  for (;;) {
    if (exited) {
      throw new Error(`${command} exited early (${JSON.stringify(exited)}):\n${log}`);
    }
    try {
      if (readyUrl === undefined) {
        if (log.includes(readyText)) break;
        throw new Error("not ready yet");
      }
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${command} did not answer at ${readyUrl ?? JSON.stringify(readyText)} within ${timeout} ms:\n${log}`);
      }
      await sleep(100);
    }
  }
  return { child, output: () => log, stop };
}
