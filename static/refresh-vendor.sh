#!/bin/sh
# Refreshes the vendored Tabler UI kit and icon webfont from the npm registry.
# Usage: static/refresh-vendor.sh [core-version] [icons-version]
set -eu
core=${1:-1.6.1}
icons=${2:-3.49.0}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent "@tabler/core@$core" "@tabler/icons-webfont@$icons" >/dev/null
mkdir core icons
tar xzf tabler-core-"$core".tgz -C core
tar xzf tabler-icons-webfont-"$icons".tgz -C icons
v="$here/vendor"
rm -rf "$v/tabler" "$v/tabler-icons"
mkdir -p "$v/tabler" "$v/tabler-icons/fonts"
cp core/package/dist/css/tabler.min.css core/package/dist/js/tabler.min.js "$v/tabler/"
# The core package ships no LICENSE file; its package.json says MIT, and the
# icon package's MIT text names the same author.
{ echo "@tabler/core $core is released under the MIT License (package.json \"license\": \"$(sed -n 's/.*"license": *"\([^"]*\)".*/\1/p' core/package/package.json)\")."; echo; cat icons/package/LICENSE; } > "$v/tabler/LICENSE"
echo "@tabler/core $core" > "$v/tabler/VERSION"
cp icons/package/dist/tabler-icons.min.css "$v/tabler-icons/"
cp icons/package/dist/fonts/tabler-icons.woff2 "$v/tabler-icons/fonts/"
cp icons/package/LICENSE "$v/tabler-icons/"
echo "@tabler/icons-webfont $icons" > "$v/tabler-icons/VERSION"
# Only the woff2 face is shipped: every supported browser takes it first.
sed -i 's#,url("./fonts/tabler-icons.woff?[^)]*) format("woff"),url("./fonts/tabler-icons.ttf?[^)]*) format("truetype")##' "$v/tabler-icons/tabler-icons.min.css"
echo "vendored @tabler/core $core and @tabler/icons-webfont $icons into $v"
