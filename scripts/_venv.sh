# Sourced by run.sh and test.sh: make .venv from a lock, then add the project itself.
# Usage: ensure_venv LOCK   (requirements.lock to run the app, requirements-test.lock for tests)
# Runs again when the lock or pyproject.toml is newer than the stamp of its last run.
ensure_venv() {
  local lock="$1" python stamp output
  python=$(command -v python3.11 || command -v python3)
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  stamp=".venv/.installed-${lock}"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --require-hashes -r "$lock"
    # The lock holds every dependency and the build backend, so nothing unpinned comes in here;
    # the backend's notes on editable installs are shown only when the install fails.
    if ! output=$(.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>&1); then
      echo "$output" >&2
      return 1
    fi
    if ! .venv/bin/python -m pip check >/dev/null; then
      .venv/bin/python -m pip check >&2
      echo "$lock does not fit pyproject.toml: run bash scripts/lock.sh" >&2
      return 1
    fi
    touch "$stamp"
  fi
}
