#!/usr/bin/env bash
# Regenerates the committed assets of charts/ (fonts, geometry, country data)
# from pinned npm registry packages. Needs node >= 18 and npm, and the npm
# registry; nothing else. The build, the tests and CI never run this: they use
# the committed files.
#
#   bash charts/tools/regenerate-assets.sh
#
# Versions are pinned in charts/tools/package.json and, with integrity hashes,
# in charts/tools/package-lock.json. The output is deterministic: running this
# twice gives byte-identical files (check with `sha256sum`).
set -euo pipefail

tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
charts_dir="$(dirname "$tools_dir")"

command -v node >/dev/null || { echo "regenerate-assets: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "regenerate-assets: npm is required" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || { echo "regenerate-assets: node >= 18 is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$tools_dir/package.json" "$tools_dir/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

mkdir -p "$work/out"
node "$tools_dir/build-assets.mjs" "$work/node_modules" "$work/out"

# Replace the generated files only; hand-written files (README.md,
# LICENSES.md, gallery/) are left alone.
generated=(
  fonts/DejaVuSans.ttf
  fonts/DejaVuSans-Bold.ttf
  fonts/LICENSE-DejaVu.txt
  fonts/NotoSansArabic-Regular.ttf
  fonts/NotoSansArabic-Bold.ttf
  fonts/LICENSE-Noto-OFL.txt
  geo/countries.geojson
  geo/LICENSE-world-atlas.txt
  data/countries.csv
  data/small-states.txt
  data/LICENSE-CLDR.txt
)
for f in "${generated[@]}"; do
  [[ -f "$work/out/$f" ]] || { echo "regenerate-assets: $f was not produced" >&2; exit 1; }
  mkdir -p "$charts_dir/$(dirname "$f")"
  cp "$work/out/$f" "$charts_dir/$f"
done

echo "regenerate-assets: wrote ${#generated[@]} files under $charts_dir:" >&2
(cd "$charts_dir" && sha256sum "${generated[@]}") >&2
