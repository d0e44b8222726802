// Packs cache-wasm/pkg with npm and installs the tarball into scratch projects under tests/.artifacts.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const PKG_DIR = join(ROOT, "cache-wasm", "pkg");
export const ARTIFACTS = join(ROOT, "tests", ".artifacts");
export const NODE_BIN = join(ROOT, "node_modules", ".bin");

const LOCK = join(ARTIFACTS, ".lock");

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// A digest of every file in the package directory, so scratch projects are rebuilt when it changes.
function fingerprint(dir) {
  if (!existsSync(join(dir, "package.json"))) {
    throw new Error(`${dir} has no package.json: run "make package" first`);
  }
  const hash = createHash("sha256");
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(p.slice(dir.length)).update("\0").update(readFileSync(p)).update("\0");
    }
  };
  walk(dir);
  return hash.digest("hex");
}

// Runs fn while holding a directory lock shared by test processes running in parallel.
function withLock(fn) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, "pid"), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(LOCK, "pid"), "utf8"));
      } catch {
        // The holder has not written its pid yet.
      }
      let alive = true;
      if (Number.isInteger(holder) && holder > 0) {
        try {
          process.kill(holder, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK}`);
      sleepSync(100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function npm(args, cwd) {
  return execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" },
  });
}

/** Packs the package once per package content; returns the tarball path. */
export function packTarball() {
  const digest = fingerprint(PKG_DIR);
  return withLock(() => {
    const dir = join(ARTIFACTS, "tarball");
    const stamp = join(dir, "fingerprint");
    if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) {
      return join(dir, readFileSync(join(dir, "name"), "utf8"));
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const out = JSON.parse(npm(["pack", PKG_DIR, "--json", "--pack-destination", dir], ROOT));
    const name = out[0].filename;
    writeFileSync(join(dir, "name"), name);
    writeFileSync(stamp, digest);
    return join(dir, name);
  });
}

/**
 * Makes tests/.artifacts/<name>: a scratch project with the packed tarball installed, plus the
 * files in `files` (relative path -> contents) or copied from `templateDir`. Reused while the
 * package and the inputs are unchanged.
 */
export function scratchProject(name, { files = {}, templateDir } = {}) {
  const tarball = packTarball();
  const digest = createHash("sha256")
    .update(readFileSync(tarball))
    .update(JSON.stringify(files))
    .update(templateDir ? fingerprintDir(templateDir) : "")
    .digest("hex");
  return withLock(() => {
    const dir = join(ARTIFACTS, name);
    const stamp = join(dir, ".fingerprint");
    if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return dir;
    const tmp = join(ARTIFACTS, `.${name}.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    if (templateDir) cpSync(templateDir, tmp, { recursive: true });
    writeFileSync(
      join(tmp, "package.json"),
      JSON.stringify({ name: `scratch-${name}`, private: true, version: "0.0.0" }, null, 2) + "\n",
    );
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(tmp, rel, ".."), { recursive: true });
      writeFileSync(join(tmp, rel), text);
    }
    npm(["install", "--prefer-offline", "--ignore-scripts", tarball], tmp);
    writeFileSync(join(tmp, ".fingerprint"), digest);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return dir;
  });
}

function fingerprintDir(dir) {
  const hash = createHash("sha256");
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(p.slice(dir.length)).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

/** The Node consumer: ESM and CJS files that load the package by its name, as users do. */
export function nodeConsumer() {
  return scratchProject("node-consumer", {
    files: {
      "esm.mjs": 'export * from "cache-wasm";\nexport { default } from "cache-wasm";\n',
      "cjs.cjs": 'module.exports = require("cache-wasm");\n',
      "resolve.cjs": 'module.exports = require.resolve("cache-wasm");\n',
    },
  });
}

/** Loads the package in the Node consumer: `esm` through import, `cjs` through require. */
export async function loadPackage(kind) {
  const dir = nodeConsumer();
  if (kind === "esm") {
    const mod = await import(pathToFileURL(join(dir, "esm.mjs")).href);
    return { init: mod.default, CacheManager: mod.CacheManager, CacheConfig: mod.CacheConfig, module: mod };
  }
  if (kind === "cjs") {
    const require = createRequire(join(dir, "package.json"));
    const mod = require(join(dir, "cjs.cjs"));
    return { init: mod.default, CacheManager: mod.CacheManager, CacheConfig: mod.CacheConfig, module: mod };
  }
  throw new Error(`unknown module kind ${kind}`);
}
