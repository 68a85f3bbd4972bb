# Sourced by run.sh and test.sh: make .venv from a lock, then add the project itself.
# Usage: ensure_venv LOCK   (requirements.lock to run the app, requirements-test.lock for tests)
# Runs again when the lock or pyproject.toml is newer than the stamp of its last run.
ensure_venv() {
  local lock="$1" python stamp
  python=$(command -v python3.11 || command -v python3)
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  stamp=".venv/.installed-${lock}"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
    # The lock holds every dependency and the build backend: nothing unpinned comes in here.
    quietly .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
    quietly .venv/bin/python -m pip check || {
      echo "$lock lacks what pyproject.toml asks for: run bash scripts/lock.sh" >&2
      return 1
    }
    touch "$stamp"
  fi
}

# Run a command, showing what it printed only when it fails (setuptools notes on every
# editable install).
quietly() {
  local output
  if ! output=$("$@" 2>&1); then
    echo "$output" >&2
    return 1
  fi
}
