// The shipped TypeScript declarations: strict ES-module and CommonJS consumers type-check, with no `any`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { NODE_BIN, scratchProject } from "../support/consumer.mjs";

const TEMPLATE = fileURLToPath(new URL("./types", import.meta.url));

test("strict consumers type-check and the expected errors are errors", () => {
  const dir = scratchProject("ts-consumer", { templateDir: TEMPLATE });
  let output = "";
  try {
    execFileSync(join(NODE_BIN, "tsc"), ["-p", join(dir, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    output = `${err.stdout ?? ""}${err.stderr ?? ""}` || String(err);
  }
  assert.equal(output, "", `tsc reported:\n${output}`);
});

test("the declarations use no `any`", () => {
  const dir = scratchProject("ts-consumer", { templateDir: TEMPLATE });
  const text = readFileSync(join(dir, "node_modules", "cache-wasm", "index.d.ts"), "utf8");
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const lines = code.split("\n").filter((line) => /\bany\b/.test(line));
  assert.deepEqual(lines, []);
});
