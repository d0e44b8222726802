# workerd config for the edge example: the caching Worker, the cache-wasm package's modules (from the
# build's package directory, cache-wasm/pkg), a KV namespace backed by a local KV Worker, and the
# upstream's base URL from the environment variable UPSTREAM_URL.
# Run from this directory: UPSTREAM_URL=http://127.0.0.1:9000 workerd serve config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edgeWorker),
    (name = "kv", worker = .kvLocal),
    # Where the Worker's fetch() goes: public addresses and this machine's loopback (the upstream).
    (name = "origin-net", network = (allow = ["public", "local"])),
  ],
  # Override with --socket-addr http=127.0.0.1:<port>.
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "edge") ],
);

const edgeWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    # The package's workerd entry under the name the Worker imports, and the files it imports.
    (name = "cache-wasm", esModule = embed "../../cache-wasm/pkg/workerd.js"),
    (name = "cache.js", esModule = embed "../../cache-wasm/pkg/cache.js"),
    (name = "export.js", esModule = embed "../../cache-wasm/pkg/export.js"),
    (name = "tiers.js", esModule = embed "../../cache-wasm/pkg/tiers.js"),
    (name = "cache_wasm.js", esModule = embed "../../cache-wasm/pkg/cache_wasm.js"),
    (name = "cache_wasm_bg.wasm", wasm = embed "../../cache-wasm/pkg/cache_wasm_bg.wasm"),
    (name = "layers/kv.js", esModule = embed "../../cache-wasm/pkg/layers/kv.js"),
    (name = "layers/indexeddb.js", esModule = embed "../../cache-wasm/pkg/layers/indexeddb.js"),
  ],
  bindings = [
    (name = "CACHE_KV", kvNamespace = "kv"),
    (name = "UPSTREAM", fromEnvironment = "UPSTREAM_URL"),
    (name = "FRAME_INTERVAL_S", fromEnvironment = "FRAME_INTERVAL_S"),
  ],
  globalOutbound = "origin-net",
  compatibilityDate = "2025-09-01",
);

const kvLocal :Workerd.Worker = (
  modules = [ (name = "kv-local.js", esModule = embed "kv-local.js") ],
  compatibilityDate = "2025-09-01",
);
