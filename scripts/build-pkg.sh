#!/usr/bin/env bash
# Builds the npm package directory cache-wasm/pkg from the crate and the hand-written JS entry points.
set -euo pipefail

cd "$(dirname "$0")/.."
PKG=cache-wasm/pkg
WASM_IN=target/wasm32-unknown-unknown/release/cache_wasm.wasm
WASM_OUT=$PKG/cache_wasm_bg.wasm
# The dashboard builds in a target directory of its own: it needs cache-wasm with other
# features, and one directory would rebuild both crates on every run.
DASH_TARGET=target/dashboard
DASH_IN=$DASH_TARGET/wasm32-unknown-unknown/release/dashboard_yew.wasm
DASH_DIR=$PKG/dashboard
DASH_OUT=$DASH_DIR/dashboard_yew_bg.wasm
# The dashboard's module must stay small enough to load on a phone.
DASH_MAX_GZ=$((250 * 1024))
WASM_OPT=node_modules/.bin/wasm-opt
ESBUILD=node_modules/.bin/esbuild

for tool in "$WASM_OPT" "$ESBUILD"; do
  if [[ ! -x "$tool" ]]; then
    echo "build-pkg: $tool is missing; run scripts/setup.sh first" >&2
    exit 1
  fi
done

size_of() { stat -c %s "$1"; }

echo "build-pkg: compiling the crate and the dashboard for wasm32-unknown-unknown"
# Two builds, so that the dashboard's features never reach the cache's module.
cargo build -p cache-wasm --release --target wasm32-unknown-unknown
cargo build -p dashboard-yew --release --target wasm32-unknown-unknown --target-dir "$DASH_TARGET"

echo "build-pkg: generating the JS glue"
rm -rf "$PKG"
wasm-bindgen --target web --out-dir "$PKG" --out-name cache_wasm "$WASM_IN"
bindgen_size=$(size_of "$WASM_OUT")

wasm-bindgen --target web --out-dir "$DASH_DIR" --out-name dashboard_yew "$DASH_IN"
dash_bindgen_size=$(size_of "$DASH_OUT")

# The features are those rustc enables by default for this target; wasm-opt must accept them all.
# optimize FILE FLAGS...: optimizes FILE in place and checks that it still validates.
optimize() {
  local file=$1
  shift
  "$WASM_OPT" "$@" \
    --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-call-indirect-overlong \
    --enable-multivalue --enable-mutable-globals \
    "$file" -o "$file.opt"
  mv "$file.opt" "$file"
  node -e '
    const bytes = require("fs").readFileSync(process.argv[1]);
    if (!WebAssembly.validate(bytes)) { console.error("build-pkg: the optimized module " + process.argv[1] + " does not validate"); process.exit(1); }
  ' "$file"
}
echo "build-pkg: optimizing with $("$WASM_OPT" --version)"
read -r -a opt_flags <<<"${WASM_OPT_FLAGS:--O3}"
# Built with its function names, which go to a file beside the build for profiles and out of the
# module: what ships is the same module as one built without them.
optimize "$WASM_OUT" "${opt_flags[@]}" -g
node scripts/wasm-names.mjs "$WASM_OUT" target/cache_wasm_bg.names.json
# The dashboard is not on a hot path: size matters more than speed.
optimize "$DASH_OUT" -Oz

echo "build-pkg: adding the JS entry points"
if [[ ! -d cache-wasm/js ]] || [[ -z "$(ls -A cache-wasm/js)" ]]; then
  echo "build-pkg: cache-wasm/js is empty" >&2
  exit 1
fi
cp -R cache-wasm/js/. "$PKG/"
cp dashboard-yew/assets/dashboard.css "$DASH_DIR/"
# Only the glue and the module ship; wasm-bindgen's own declarations are internal.
rm -f "$DASH_DIR"/*.d.ts
version=$(awk '
  /^\[/ { section = $0 }
  section == "[workspace.package]" && /^version *=/ { gsub(/"/, "", $3); print $3; exit }
' Cargo.toml)
if [[ -z "$version" ]]; then
  echo "build-pkg: no version in [workspace.package] of Cargo.toml" >&2
  exit 1
fi
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.version = process.argv[2];
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$PKG/package.json" "$version"

# The web glue's default wasm URL uses import.meta, which CommonJS lacks; the CJS entry passes the bytes itself.
echo "build-pkg: bundling the CommonJS entry"
"$ESBUILD" "$PKG/cjs-entry.mjs" --bundle --format=cjs --platform=node --log-level=warning \
  --log-override:empty-import-meta=silent --outfile="$PKG/node.cjs"
rm "$PKG/cjs-entry.mjs"

if [[ -f README.md ]]; then
  cp README.md "$PKG/README.md"
else
  echo "build-pkg: warning: no README.md at the top level; the package ships without one" >&2
fi

raw_size=$(size_of "$WASM_IN")
opt_size=$(size_of "$WASM_OUT")
gz_size=$(gzip -9 -c "$WASM_OUT" | wc -c)
dash_raw=$(size_of "$DASH_IN")
dash_opt=$(size_of "$DASH_OUT")
dash_gz=$(gzip -9 -c "$DASH_OUT" | wc -c)
printf 'build-pkg: %s version %s\n' "$PKG" "$version"
printf '  %-28s %9s bytes\n' "rustc output" "$raw_size" \
  "after wasm-bindgen" "$bindgen_size" \
  "after wasm-opt" "$opt_size" \
  "after wasm-opt, gzip -9" "$gz_size"
printf '  dashboard (%s):\n' "$DASH_OUT"
printf '  %-28s %9s bytes\n' "rustc output" "$dash_raw" \
  "after wasm-bindgen" "$dash_bindgen_size" \
  "after wasm-opt -Oz" "$dash_opt" \
  "after wasm-opt, gzip -9" "$dash_gz"
if (( dash_gz > DASH_MAX_GZ )); then
  echo "build-pkg: the dashboard's wasm is $dash_gz bytes gzipped, over the budget of $DASH_MAX_GZ" >&2
  exit 1
fi
