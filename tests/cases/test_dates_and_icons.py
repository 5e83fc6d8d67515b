"""Dates in words in the interface's language ("30 april 2026" in Dutch, "30 April 2026" in English, never "30 Apr
2026"), and icons as inline SVG with the text beside them, never emoji (a browser without an emoji font shows an
empty box)."""

import datetime
import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from tests.cases.test_deadlines import reported_case, travel

ROOT = Path(__file__).resolve().parent.parent.parent
# Emoji and the pictographic symbols that fonts without emoji draw as an empty box (⚠ ⏰ 🕑 🔔 ✅ …).
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u231a-\u23ff\ufe0f]")


def test_the_date_formats_are_in_words_in_both_languages():
    day = datetime.date(2026, 12, 14)
    moment = datetime.datetime(2026, 12, 14, 9, 30)
    with translation.override("nl"):
        assert date_format(day) == "14 december 2026"
        assert date_format(moment, "DATETIME_FORMAT") == "14 december 2026 09:30"
        assert Template("{{ d|date }}").render(Context({"d": day})) == "14 december 2026"
    with translation.override("en"):
        assert date_format(day) == "14 December 2026"
        assert Template("{{ d|date }}").render(Context({"d": day})) == "14 December 2026"


def test_the_start_page_and_the_case_page_write_dates_in_dutch_words(cast_a, client_for):
    case = reported_case(cast_a, "2026-04-22")  # the safety assessment is due on 30 April
    with travel("2026-05-04"):
        client = client_for(cast_a.af)
        start = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"})).content.decode()
        page = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    for content in (start, page):
        assert ">30 april 2026</time>" in content
        assert not re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", content)
    assert ">30 April 2026</time>" in english


def test_the_deadline_icons_are_svg_with_the_words_beside_them(cast_a, client_for):
    case = reported_case(cast_a, "2026-04-22")
    with travel("2026-05-04"):
        client = client_for(cast_a.af)
        start = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"})).content.decode()
        page = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    for content in (start, page):
        icon = re.search(r'<svg class="icon icon-warning"[^>]*>', content)
        assert icon and 'aria-hidden="true"' in icon.group(0)  # decorative: the words say it
        assert "Te laat:" in content[icon.end() : icon.end() + 400]
        assert not EMOJI.search(content)


def test_no_emoji_in_templates_or_in_code_that_renders_html():
    found = []
    paths = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    for app in ("accounts", "cases", "dossier", "guide", "meldcode", "outbox", "reporting", "schools"):
        paths += [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if EMOJI.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert found == []
