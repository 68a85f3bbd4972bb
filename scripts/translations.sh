#!/usr/bin/env bash
# Update the Swedish and English catalogues from the Finnish source strings, then compile them.
# Usage: bash scripts/translations.sh [update|compile]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=.venv/bin/pybabel
catalogues=app/translations
step="${1:-all}"
if [ "$step" != compile ]; then
  "$pybabel" extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o /tmp/tekotaulu.pot --no-location \
    --project Tekotaulu .
  for lang in sv en; do
    if [ -f "$catalogues/$lang/LC_MESSAGES/messages.po" ]; then
      "$pybabel" update -i /tmp/tekotaulu.pot -d "$catalogues" -l "$lang" --no-fuzzy-matching
    else
      "$pybabel" init -i /tmp/tekotaulu.pot -d "$catalogues" -l "$lang"
    fi
  done
fi
[ "$step" = update ] || "$pybabel" compile -d "$catalogues" --statistics
