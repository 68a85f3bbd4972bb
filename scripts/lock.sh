#!/usr/bin/env bash
# Refresh the dependency locks from pyproject.toml's ranges: exact versions with their hashes,
# resolved for Python 3.11 on Linux x86_64 (run it there), read by scripts/_venv.sh.
#   requirements.lock       the app (with the redis extra) and the build backend
#   requirements-test.lock  the same plus the test extra
# Usage: bash scripts/lock.sh             keep the pins that still fit, add what pyproject added
#        bash scripts/lock.sh --upgrade   every pin to the newest release its range allows
#        bash scripts/lock.sh -P flask    (--upgrade-package) one package to its newest
set -euo pipefail
cd "$(dirname "$0")/.."
PIP_TOOLS="pip-tools==7.6.2"

# pip-compile resolves for the interpreter and machine it runs on: they must be the target's.
python=$(command -v python3.11) || { echo "lock.sh needs python3.11 (the locks are for 3.11)" >&2; exit 1; }
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "lock.sh must run on Linux x86_64 (the locks are for it)" >&2; exit 1; }
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
"$python" -m venv "$tools"
"$tools/bin/python" -m pip install --quiet "$PIP_TOOLS"

export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"
compile() {
  "$tools/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
    --all-build-deps --no-emit-index-url --no-emit-find-links "$@" pyproject.toml
}
# The test lock first; the app lock then starts from its pins, so both agree on shared packages.
compile --extra test --extra redis -o requirements-test.lock "$@"
cp requirements-test.lock requirements.lock
compile --extra redis -o requirements.lock
echo "locked: requirements.lock, requirements-test.lock"
