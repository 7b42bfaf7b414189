"""Fill empty msgstr entries of a catalogue from a JSON {msgid: translation} file (a helper for
translators who work from a spreadsheet): python scripts/fill_po.py PO JSON."""

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, json_path: str) -> None:
    with open(po_path, "rb") as source:
        catalog = read_po(source)
    with open(json_path, encoding="utf-8") as source:
        translations = json.load(source)
    for message in catalog:
        if message.id and not message.string and message.id in translations:
            message.string = translations[message.id]
    with open(po_path, "wb") as target:
        write_po(target, catalog, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{po_path}: {len(missing)} untranslated", *missing, sep="\n  ")


if __name__ == "__main__":
    main(*sys.argv[1:3])
