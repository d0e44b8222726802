// The packed tarball: its files, its package.json and how Node resolves its entry points.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { before, test } from "node:test";
import { ROOT, nodeConsumer, packTarball } from "../support/consumer.mjs";

let tarball;
let files;
let manifest;
let consumer;

before(() => {
  tarball = packTarball();
  files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));
  manifest = JSON.parse(execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }));
  consumer = nodeConsumer();
});

test("the tarball holds the wasm, the glue, every entry point, the types and the readme", () => {
  for (const name of [
    "package.json",
    "README.md",
    "cache_wasm_bg.wasm",
    "cache_wasm.js",
    "browser.js",
    "node.mjs",
    "node.cjs",
    "workerd.js",
    "index.d.ts",
  ]) {
    assert.ok(files.includes(name), `${name} is in ${basename(tarball)} (files: ${files.join(", ")})`);
  }
  assert.ok(!files.includes("cjs-entry.mjs"), "the CJS bundle source is not shipped");
});

test("package.json has the workspace version and names cache-wasm", () => {
  const cargo = readFileSync(join(ROOT, "Cargo.toml"), "utf8");
  const section = cargo.slice(cargo.indexOf("[workspace.package]"));
  const version = /^version\s*=\s*"([^"]+)"/m.exec(section)?.[1];
  assert.ok(version, "Cargo.toml has a workspace version");
  assert.equal(manifest.name, "cache-wasm");
  assert.equal(manifest.version, version);
});

test("every path named in exports is in the tarball", () => {
  assert.equal(typeof manifest.exports, "object");
  const targets = [];
  const walk = (node) => {
    if (typeof node === "string") targets.push(node);
    else if (node && typeof node === "object") Object.values(node).forEach(walk);
  };
  walk(manifest.exports);
  assert.ok(targets.length > 0);
  for (const target of targets) {
    if (target.includes("*")) continue;
    assert.ok(files.includes(target.replace(/^\.\//, "")), `${target} is shipped`);
  }
  const flat = JSON.stringify(manifest.exports["."]);
  for (const condition of ["workerd", "browser", "require"]) {
    assert.ok(flat.includes(`"${condition}"`), `the "." export has a ${condition} condition`);
  }
  assert.ok(flat.includes('"types"') || typeof manifest.types === "string", "the package names its types");
});

test("Node resolves require to the CJS bundle and import to an ES module", async () => {
  const require = createRequire(join(consumer, "package.json"));
  const resolved = require(join(consumer, "resolve.cjs"));
  assert.equal(basename(resolved), "node.cjs");
  const esm = await import(new URL(`file://${join(consumer, "esm.mjs")}`).href);
  assert.equal(typeof esm.CacheManager, "function");
});

test("the shipped wasm validates and is a WebAssembly module", () => {
  const wasm = execFileSync("tar", ["-xzOf", tarball, "package/cache_wasm_bg.wasm"]);
  assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
  assert.ok(WebAssembly.validate(wasm));
});

test("the shipped wasm has no name section; the names the build keeps beside it are of it", () => {
  const wasm = execFileSync("tar", ["-xzOf", tarball, "package/cache_wasm_bg.wasm"]);
  const module = new WebAssembly.Module(wasm);
  assert.equal(WebAssembly.Module.customSections(module, "name").length, 0);
  const kept = JSON.parse(readFileSync(join(ROOT, "target/cache_wasm_bg.names.json"), "utf8"));
  assert.equal(kept.sha256, createHash("sha256").update(wasm).digest("hex"), "the names are of the shipped module");
  const names = Object.values(kept.functions);
  assert.ok(names.some((n) => n.startsWith("cache_wasm::core::store::Store::apply_hits")), "the store's functions are named");
  assert.ok(names.includes("engine_applyReads"), "the exports' functions are named");
});
