"""Fill the Dutch catalogue from locale/translations/nl.tsv (one line per string: English<TAB>Dutch).

Used by `make messages` after `makemessages --no-wrap`: every msgid is then one line, so a simple reader is
enough. Existing translations in the .po are kept; the TSV wins where it has an entry.
Usage: python scripts/pofill.py locale/nl/LC_MESSAGES/django.po locale/translations/nl.tsv
"""

import re
import sys
from pathlib import Path


def load_pairs(tsv: Path) -> dict[str, str]:
    pairs = {}
    for number, line in enumerate(tsv.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            english, dutch = line.split("\t")
        except ValueError:
            raise SystemExit(f"{tsv}:{number}: expected exactly one tab") from None
        pairs[english] = dutch
    return pairs


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\")


def fill(po: Path, pairs: dict[str, str]) -> int:
    lines = po.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    count = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.match(r'^msgid "(.+)"$', line)
        if match and i + 1 < len(lines) and lines[i + 1].startswith("msgstr ") and unescape(match.group(1)) in pairs:
            while out and (out[-1].startswith("#| ") or out[-1].startswith("#, fuzzy")):
                out.pop()  # a translation from the TSV replaces makemessages' fuzzy guess
            out.append(line)
            out.append(f'msgstr "{escape(pairs[unescape(match.group(1))])}"')
            count += 1
            i += 2
            continue
        out.append(line)
        i += 1
    po.write_text("\n".join(out), encoding="utf-8")
    return count


if __name__ == "__main__":
    po_path, tsv_path = Path(sys.argv[1]), Path(sys.argv[2])
    print(f"filled {fill(po_path, load_pairs(tsv_path))} strings in {po_path}")
