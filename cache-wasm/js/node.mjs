// Node ES-module entry: the wasm is instantiated synchronously on import; init() is a no-op.
import { readFileSync } from "node:fs";
import * as glue from "./cache_wasm.js";
import { bindEngine, bindUdp, CacheConfig, CacheManager } from "./cache.js";
import { udpSender } from "./udp.js";
import { indexedDbLayer } from "./layers/indexeddb.js";
import { kvLayer } from "./layers/kv.js";
import { LayerError, LayerTimeoutError } from "./tiers.js";

const wasm = glue.initSync({ module: readFileSync(new URL("./cache_wasm_bg.wasm", import.meta.url)) });
bindEngine(glue, wasm);
// StatsD over UDP is reachable from Node only.
bindUdp(udpSender);

/** Already instantiated on import; kept so that one import works in every runtime. */
export default function init() {
  return Promise.resolve();
}

/** Bytes of WebAssembly memory the module holds (it grows in 64 KiB pages and never shrinks). */
export function wasmMemoryBytes() {
  return wasm.memory.buffer.byteLength;
}

export { init, CacheConfig, CacheManager, LayerError, LayerTimeoutError, indexedDbLayer, kvLayer };
