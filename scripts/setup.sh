#!/usr/bin/env bash
# Installs everything the build and the tests need; fast when all of it is present.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf 'setup: %s\n' "$*"; }

# Rust's WebAssembly target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Formatting and lint components used by make test.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    log "adding the $component component"
    rustup component add "$component"
  fi
done

# The wasm-bindgen version the build uses: Cargo.lock first, then the "=" pin in Cargo.toml.
wb_version=""
if [[ -f Cargo.lock ]]; then
  wb_version=$(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = / { gsub(/"/, "", $3); name = $3 }
    /^version = / && name == "wasm-bindgen" { gsub(/"/, "", $3); print $3; exit }
  ' Cargo.lock)
fi
if [[ -z "$wb_version" ]]; then
  wb_version=$(sed -n 's/^wasm-bindgen *= *"=\([0-9][0-9.]*\)".*/\1/p' Cargo.toml | head -n 1)
fi
if [[ -z "$wb_version" ]]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock or Cargo.toml" >&2
  exit 1
fi
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have_wb" != "$wb_version" ]]; then
  # --locked fails here: a locked dependency of the CLI is missing from the registry index.
  log "installing wasm-bindgen-cli $wb_version (found: ${have_wb:-none}); this takes several minutes"
  cargo install wasm-bindgen-cli --version "=$wb_version" --force
fi

# System packages: the browser and its driver, Redis, Prometheus and the Pushgateway.
declare -A apt_for=(
  [/usr/bin/chromium]=chromium
  [/usr/bin/chromedriver]=chromium-driver
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/prometheus]=prometheus
  [/usr/bin/promtool]=prometheus
  [/usr/bin/prometheus-pushgateway]=prometheus-pushgateway
)
missing=()
for bin in "${!apt_for[@]}"; do
  [[ -x "$bin" ]] || missing+=("${apt_for[$bin]}")
done
if ((${#missing[@]} > 0)); then
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${missing[@]}"
fi

# Debian's binaryen breaks wasm-bindgen output; the build uses npm's wasm-opt only.
if dpkg -s binaryen >/dev/null 2>&1; then
  log "warning: Debian's binaryen is installed; the build ignores it and uses node_modules/.bin/wasm-opt"
fi

# Node development tools, reinstalled only when package-lock.json changes.
stamp=node_modules/.setup-lock-sha256
want=$(sha256sum package-lock.json | awk '{print $1}')
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  log "installing Node development tools"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi
for tool in wasm-opt esbuild vite workerd; do
  if [[ ! -x "node_modules/.bin/$tool" ]]; then
    echo "setup: node_modules/.bin/$tool is missing after npm ci" >&2
    exit 1
  fi
done

log "ready ($ROOT)"
