# Sourced by run.sh and test.sh: make .venv with the project installed (once per pyproject change).
# Usage: ensure_venv EXTRAS   (EXTRAS is "" for running, "test" for the test suite)
ensure_venv() {
  local extras="$1" python stamp spec
  python=$(command -v python3.11 || command -v python3)
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  stamp=".venv/.installed-${extras:-base}"
  spec="."
  [ -n "$extras" ] && spec=".[${extras}]"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet -e "$spec"
    touch "$stamp"
  fi
}
