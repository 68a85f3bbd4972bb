#!/usr/bin/env bash
# Refresh the browser code vendored from npm under static/vendor/<package>/.
# Each entry: package@version, then the files to copy from the package (LICENSE always comes too).
# Usage: bash scripts/vendor.sh        (npm is the only network access needed)
set -euo pipefail
cd "$(dirname "$0")/.."

# package@version | files inside the package to keep
PACKAGES=(
  "axe-core@4.14.1|axe.min.js"  # a test tool: injected by tests/browser/test_accessibility.py, never served to users
  # Faces found on the tablet (deed form only): the bundle with TensorFlow.js and the tiny face detector
  "@vladmandic/face-api@1.7.15|dist/face-api.js model/tiny_face_detector_model-weights_manifest.json model/tiny_face_detector_model.bin"
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for entry in "${PACKAGES[@]}"; do
  spec="${entry%%|*}"
  files="${entry#*|}"
  name="${spec%@*}"
  version="${spec##*@}"
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
  mkdir -p "$work/$name"
  tar -xzf "$tarball" -C "$work/$name" --strip-components=1
  rm -f "$tarball"
  target="static/vendor/$name"
  rm -rf "$target"
  mkdir -p "$target"
  for file in $files; do
    cp "$work/$name/$file" "$target/"
  done
  license="$(ls "$work/$name" | grep -i -m1 '^licen[cs]e' || true)"
  [ -n "$license" ] || { echo "no LICENSE in $spec" >&2; exit 1; }
  cp "$work/$name/$license" "$target/LICENSE"
  echo "$version" > "$target/VERSION"
  echo "vendored $spec into $target"
done
