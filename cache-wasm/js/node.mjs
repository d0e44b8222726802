// Node ES-module entry: the wasm is instantiated synchronously on import; init() is a no-op.
import { readFileSync } from "node:fs";
import * as glue from "./cache_wasm.js";
import { bindEngine, bindUdp, CacheConfig, CacheManager } from "./cache.js";
import { udpSender } from "./udp.js";

glue.initSync({ module: readFileSync(new URL("./cache_wasm_bg.wasm", import.meta.url)) });
bindEngine(glue);
// StatsD over UDP is reachable from Node only.
bindUdp(udpSender);

/** Already instantiated on import; kept so that one import works in every runtime. */
export default function init() {
  return Promise.resolve();
}

export { init, CacheConfig, CacheManager };
