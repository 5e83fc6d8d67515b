"""The case page's chronology: in pages (newest page first, everything on one page for printing), and its items
rendered once and reused (cases.fragments) — never stale: whatever an item shows that changes, shows."""

import datetime
from unittest import mock

import pytest
from django.core.cache import caches
from django.utils import timezone

from cases import fragments
from cases.models import Signal, SignalFollowUp
from tests import factories


@pytest.fixture(autouse=True)
def empty_fragment_cache():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def add_signals(case, author, n: int) -> list[Signal]:
    return [
        Signal.objects.create(case=case, author=author, **factories.signal_data(description=f"Waarneming nummer {i}"))
        for i in range(n)
    ]


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_page_opens_on_the_newest_page_and_every_page_can_be_reached(cast_a, client_for):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    add_signals(case, cast_a.teacher, 60)  # with the first signal and the "opened" step change: 62 items
    client = client_for(cast_a.ib)
    url = f"/dossiers/{case.pk}/"

    newest = page_text(client, url)
    assert "Waarneming nummer 59" in newest and "Waarneming nummer 35<" in newest
    assert "Waarneming nummer 34<" not in newest
    assert newest.index("Waarneming nummer 35<") < newest.index("Waarneming nummer 59")  # oldest first on a page
    assert "Items 38–62 van 62, oudste eerst." in newest
    assert 'href="?pagina=2#chronology-heading"' in newest  # earlier items
    assert 'href="?pagina=alle#chronology-heading"' in newest

    oldest = page_text(client, f"{url}?pagina=3")
    assert "Blauwe plek van ongeveer 4 cm" in oldest  # the opening signal
    assert "Waarneming nummer 9<" in oldest and "Waarneming nummer 10<" not in oldest
    assert "items 1–12 van 62" in oldest

    everything = page_text(client, f"{url}?pagina=alle")
    assert all(f"Waarneming nummer {i}<" in everything for i in range(60))
    assert "De chronologie in pagina" in everything

    # A page number that is not one shows the newest page, one beyond the last the oldest: never an error page.
    assert "Waarneming nummer 59" in page_text(client, f"{url}?pagina=niets")
    assert "Waarneming nummer 9<" in page_text(client, f"{url}?pagina=99")


def test_a_short_chronology_has_no_page_links(cast_a, client_for):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    text = page_text(client_for(cast_a.ib), f"/dossiers/{case.pk}/")
    assert "Blauwe plek" in text
    assert "pagina=alle" not in text and "Items 1–" not in text


def test_items_are_rendered_once_and_then_reused(cast_a, client_for):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    add_signals(case, cast_a.teacher, 3)
    client = client_for(cast_a.ib)
    url = f"/dossiers/{case.pk}/"
    with mock.patch.object(fragments, "render_to_string", wraps=fragments.render_to_string) as render:
        first = page_text(client, url)
        assert render.call_count == 5  # the opening signal, the step change, three signals
        second = page_text(client, url)
        assert render.call_count == 5
    assert "Waarneming nummer 2" in second

    def chronology(text):
        return text[text.index('<ol class="timeline">') : text.index("</ol>", text.index('<ol class="timeline">'))]

    assert chronology(first) == chronology(second)


def test_what_changes_shows_at_once(cast_a, client_for):
    """Each change below gives the item another key: a follow-up, a correction, a renamed author, a closed case,
    another language."""
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    (signal,) = add_signals(case, cast_a.teacher, 1)
    client = client_for(cast_a.ib)
    url = f"/dossiers/{case.pk}/"
    assert "Vader bevestigde het verhaal" not in page_text(client, url)

    SignalFollowUp.objects.create(
        case=case,
        author=cast_a.ib,
        signal=signal,
        outcome="confirmed",
        outcome_on=timezone.localdate(),
        note="Vader bevestigde het verhaal",
    )
    assert "Vader bevestigde het verhaal" in page_text(client, url)

    Signal.objects.create(
        case=case, author=cast_a.teacher, corrects=signal, **factories.signal_data(description="Verbeterde tekst")
    )
    text = page_text(client, url)
    assert "Verbeterde tekst" in text and "gecorrigeerd op" in text

    cast_a.teacher.first_name, cast_a.teacher.last_name = "Anouk", "Hernhuttersma"
    cast_a.teacher.save()
    assert "Anouk Hernhuttersma" in page_text(client, url)

    client.cookies["django_language"] = "en"
    assert "Confirmed or refuted" in page_text(client, url)


def test_what_the_viewer_may_do_is_part_of_the_key(cast_a, client_for):
    """The IB'er sees the link to correct a consultation; the teacher who opened the case may read it but not
    correct it, and does not get the IB'er's rendering from the cache."""
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    factories.advance(cast_a.teacher, case, "to_consulting")
    factories.add_consultation(cast_a.ib, case)
    url = f"/dossiers/{case.pk}/"
    correct_consultation = f"/dossiers/{case.pk}/consultatie/nieuw/?corrigeert="
    assert correct_consultation in page_text(client_for(cast_a.ib), url)
    teacher_page = page_text(client_for(cast_a.teacher), url)
    assert "Collegiale consultatie" in teacher_page or "consultatie" in teacher_page.lower()
    assert correct_consultation not in teacher_page


def test_the_fingerprint_covers_loaded_related_records():
    from accounts.models import User

    author = User(pk=1, username="x", first_name="A", last_name="B")
    signal = Signal(pk=5, description="tekst", recorded_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    signal.author = author
    before = fragments.fingerprint(signal)
    assert fragments.fingerprint(signal) == before
    author.last_name = "C"
    assert fragments.fingerprint(signal) != before
    author.last_name = "B"
    signal._prefetched_objects_cache = {"follow_ups": [SignalFollowUp(pk=9, note="n")]}
    assert fragments.fingerprint(signal) != before
