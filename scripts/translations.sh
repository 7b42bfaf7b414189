#!/usr/bin/env bash
# Refresh one catalogue from its code and templates, keeping the translations already made:
#   scripts/translations.sh echallan/staff      (a feature's pages)
#   scripts/translations.sh echallan            (the shared layout: echallan/templates)
# Then fill in the empty msgstr lines of FOLDER/translations/ur/LC_MESSAGES/messages.po.
# The app compiles .po to .mo itself when it starts (echallan/core/i18n.py).
set -euo pipefail
folder=${1:?usage: scripts/translations.sh FOLDER}
bin=$(dirname "$0")/../.venv/bin
pot=$(mktemp --suffix=.pot)
if [ "$folder" = "echallan" ]; then sources=(echallan/templates echallan/core); else sources=("$folder"); fi
"$bin/pybabel" extract -F babel.cfg -k _l -o "$pot" "${sources[@]}"
po="$folder/translations/ur/LC_MESSAGES/messages.po"
if [ -f "$po" ]; then
  "$bin/pybabel" update -N -i "$pot" -d "$folder/translations" -l ur
else
  "$bin/pybabel" init -i "$pot" -d "$folder/translations" -l ur
fi
rm -f "$pot"
echo "updated $po: $(grep -c '^msgstr ""$' "$po" || true) empty msgstr lines to fill (the header is one)"
