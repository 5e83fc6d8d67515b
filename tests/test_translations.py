"""Every user-facing string has a Dutch translation, and the compiled catalogue matches the source."""

import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "nl" / "LC_MESSAGES"


def parse_po(path: Path) -> dict[str, str]:
    """A minimal reader for the single-line entries that ``makemessages --no-wrap`` writes."""
    entries: dict[str, str] = {}
    msgid = None
    fuzzy = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif m := re.match(r'^msgid "(.*)"$', line):
            msgid = m.group(1)
        elif (m := re.match(r'^msgstr "(.*)"$', line)) and msgid is not None:
            if msgid:
                entries[msgid] = "" if fuzzy else m.group(1)
            msgid, fuzzy = None, False
        elif line.startswith("msgid_plural") or line.startswith("msgstr["):
            msgid = None
    return entries


def test_every_string_has_a_dutch_translation():
    entries = parse_po(LOCALE / "django.po")
    missing = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert entries, "no catalogue"
    assert missing == [], f"untranslated: {missing[:10]}"


def test_compiled_catalogue_is_up_to_date():
    entries = parse_po(LOCALE / "django.po")
    with open(LOCALE / "django.mo", "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    stale = [
        msgid
        for msgid, msgstr in entries.items()
        if catalogue.gettext(msgid.replace('\\"', '"')) != msgstr.replace('\\"', '"')
    ]
    assert stale == [], f"run 'make messages': {stale[:5]}"
