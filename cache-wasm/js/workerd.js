// Cloudflare Workers (workerd) entry: the .wasm is imported as a compiled module.
import wasmModule from "./cache_wasm_bg.wasm";
import * as glue from "./cache_wasm.js";
import { bindEngine, CacheConfig, CacheManager } from "./cache.js";
import { indexedDbLayer } from "./layers/indexeddb.js";
import { kvLayer } from "./layers/kv.js";
import { LayerError, LayerTimeoutError } from "./tiers.js";

const wasm = glue.initSync({ module: wasmModule });
bindEngine(glue, wasm);

/** Already instantiated on import; kept so that one import works in every runtime. */
export default function init() {
  return Promise.resolve();
}

/** Bytes of WebAssembly memory the module holds (it grows in 64 KiB pages and never shrinks). */
export function wasmMemoryBytes() {
  return wasm.memory.buffer.byteLength;
}

export { init, CacheConfig, CacheManager, LayerError, LayerTimeoutError, indexedDbLayer, kvLayer };
