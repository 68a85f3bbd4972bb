#!/usr/bin/env bash
# Run Tekotaulu on the embedded default: SQLite and local files in instance/, schema migrated,
# demo data added when the instance is empty, serving on http://127.0.0.1:5000.
# The demo users' passwords are random for each instance: printed below at every start, and kept
# in instance/demo-logins.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements.lock
export FLASK_APP=app
# Plain http on the loopback address: the session cookie cannot be https-only here.
export TEKOTAULU_SECURE_COOKIES="${TEKOTAULU_SECURE_COOKIES:-0}"
.venv/bin/flask db upgrade
.venv/bin/flask demo --if-empty
echo "Tekotaulu: http://127.0.0.1:${PORT:-5000}"
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
