#!/usr/bin/env bash
# Builds the npm package directory cache-wasm/pkg from the crate and the hand-written JS entry points.
set -euo pipefail

cd "$(dirname "$0")/.."
PKG=cache-wasm/pkg
WASM_IN=target/wasm32-unknown-unknown/release/cache_wasm.wasm
WASM_OUT=$PKG/cache_wasm_bg.wasm
WASM_OPT=node_modules/.bin/wasm-opt
ESBUILD=node_modules/.bin/esbuild

for tool in "$WASM_OPT" "$ESBUILD"; do
  if [[ ! -x "$tool" ]]; then
    echo "build-pkg: $tool is missing; run scripts/setup.sh first" >&2
    exit 1
  fi
done

size_of() { stat -c %s "$1"; }

echo "build-pkg: compiling the crate for wasm32-unknown-unknown"
cargo build -p cache-wasm --release --target wasm32-unknown-unknown

echo "build-pkg: generating the JS glue"
rm -rf "$PKG"
wasm-bindgen --target web --out-dir "$PKG" --out-name cache_wasm "$WASM_IN"
bindgen_size=$(size_of "$WASM_OUT")

# The features are those rustc enables by default for this target; wasm-opt must accept them all.
echo "build-pkg: optimizing with $("$WASM_OPT" --version)"
read -r -a opt_flags <<<"${WASM_OPT_FLAGS:--O3}"
"$WASM_OPT" "${opt_flags[@]}" \
  --enable-bulk-memory --enable-bulk-memory-opt --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-call-indirect-overlong \
  --enable-multivalue --enable-mutable-globals \
  "$WASM_OUT" -o "$WASM_OUT.opt"
mv "$WASM_OUT.opt" "$WASM_OUT"
node -e '
  const bytes = require("fs").readFileSync(process.argv[1]);
  if (!WebAssembly.validate(bytes)) { console.error("build-pkg: the optimized module does not validate"); process.exit(1); }
' "$WASM_OUT"

echo "build-pkg: adding the JS entry points"
if [[ ! -d cache-wasm/js ]] || [[ -z "$(ls -A cache-wasm/js)" ]]; then
  echo "build-pkg: cache-wasm/js is empty" >&2
  exit 1
fi
cp -R cache-wasm/js/. "$PKG/"
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
printf 'build-pkg: %s version %s\n' "$PKG" "$version"
printf '  %-28s %9s bytes\n' "rustc output" "$raw_size" \
  "after wasm-bindgen" "$bindgen_size" \
  "after wasm-opt" "$opt_size" \
  "after wasm-opt, gzip -9" "$gz_size"
