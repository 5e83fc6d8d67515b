"""The parent extract (domain.md §7): what is in it, what is left out and why, the checksum, who may generate it,
and a query count that does not grow with the number of entries. The PDF is read back with pypdf."""

import datetime
import gc
import hashlib
import importlib
import io
import logging
import re
import sys

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases import permissions as perms
from cases import selectors, services
from cases.models import (
    AuditEvent,
    Case,
    ParentView,
    Signal,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from dossier import extract as extract_rules
from dossier import pdf
from dossier import selectors as dossier_selectors
from dossier import services as dossier_services
from dossier.models import ExtractRelease, Redaction
from tests import factories
from tests.tasks import reset_mail, run_worker

PARENT_VIEW = "Wij vinden dat juf Femke te snel conclusies trekt; Noor valt vaak van haar step."
OTHER_PUPIL = "Q.X."
OTHER_CHILD = "Z.W.v.D."
THIRD_PARTY = "Gerrit Buurvrouwsma"
VT_RESTRICTED = "Veilig Thuis verwacht wekelijks contact met de hulpverlener van Stichting Zonnehof."
VT_ORGANISATION = "Stichting Zonnehof"
WITHHELD_CAUSE = "Directe aanleiding: geheime melding Kastanjelaan."
SHELTER = "Blijf-van-mijn-lijfhuis aan de Lindeweg 12"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def vt_report(**extra) -> VeiligThuisReport:
    data = {
        "reported_at": timezone.now() - datetime.timedelta(hours=2),
        "channel": VeiligThuisReport.Channel.PHONE,
        "relation_to_family": "School van het kind.",
        "direct_cause": "Nieuwe blauwe plekken.",
        "nature_frequency_severity": "Herhaaldelijk letsel.",
        "parents_informed": True,
        "parents_informed_on": timezone.localdate(),
        "meldrecht_acknowledged": True,
    }
    data.update(extra)
    return VeiligThuisReport(**data)


def _record(user, case, entry, perm=perms.DECIDE):
    return services.entry_record(user=user, case=case, entry=entry, permission=perm)


def rich_case(cast):
    """A case in step 3 with a parents' view, a signal naming other pupils and a third-party source, a report to
    Veilig Thuis with its restricted outcome, a report not yet disclosed, and an entry marked as endangering."""
    pupil = factories.PupilFactory(class_group=cast.group1, first_name="Noor", last_name="Veldkamp")
    case = factories.open_case(cast.teacher, pupil, others_present=OTHER_PUPIL, other_children=OTHER_CHILD)
    factories.advance(cast.teacher, case, "to_consulting")
    services.signal_record(
        user=cast.ib,
        case=Case.objects.get(pk=case.pk),
        signal=factories.make_signal(
            source="third_party", source_name=THIRD_PARTY, source_consent=True, description="Geschreeuw gehoord."
        ),
    )
    factories.add_consultation(cast.ib, case, advice="Advies: gesprek met ouders binnen een week.")
    factories.advance(cast.ib, case, "to_parent_talk")
    conversation = factories.add_conversation(cast.ib, case, agreements="Moeder belt de huisarts.")
    _record(
        cast.ib,
        case,
        ParentView(conversation=conversation, given_by="moeder", given_on=timezone.localdate(), text=PARENT_VIEW),
        perms.TALK_PARENTS,
    )
    # Veilig Thuis records, stored directly: the state machine is tested elsewhere; here only the extract matters.
    for entry in [
        vt_report(),
        vt_report(disclosure_withheld=True, direct_cause=WITHHELD_CAUSE),
        VeiligThuisOutcome(
            assessed_on=timezone.localdate(),
            decision=VeiligThuisOutcome.Decision.HANDOVER,
            expectations=VT_RESTRICTED,
            receiving_organisation=VT_ORGANISATION,
        ),
    ]:
        _record(cast.af, case, entry)
    shelter_signal = services.signal_record(
        user=cast.af, case=Case.objects.get(pk=case.pk), signal=factories.make_signal(description=SHELTER)
    )
    dossier_services.redaction_record(
        user=cast.af,
        case=case,
        entry_type="signal",
        entry_id=shelter_signal.pk,
        reason="Het adres van de opvang mag de vader niet bereiken.",
    )
    return Case.objects.get(pk=case.pk)


def recipient_data(case) -> dict:
    """The release form's choice of whom the extract is given to (domain.md §9.6): the first parent or carer with
    parental authority of the case's pupils, when one is recorded."""
    from schools.models import Guardian

    chosen = (
        Guardian.objects.filter(pupil__in=case.pupils.all(), has_parental_authority=True).order_by("name", "pk").first()
    )
    return {"ontvanger": chosen.pk} if chosen is not None else {}


def release(client, case):
    """Release the extract as a user does: the request stores a job and enqueues its task, the worker renders it,
    the job's page links to the download. Returns the download's response."""
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    requested = client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}), recipient_data(case))
    assert requested.status_code == 302, requested.status_code
    results = run_worker()
    assert [r.status for r in results] == ["SUCCESSFUL"], [(r.status, r.traceback) for r in results]
    page = client.get(requested.url)
    assert page.status_code == 200 and "Het uittreksel is klaar." in page.content.decode()
    job = page.context["job"]
    response = client.get(reverse("dossier:extract-download", kwargs={"pk": case.pk, "release_pk": job.release_id}))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    return response


def test_the_extract_contains_the_parents_view_verbatim_and_leaves_out_what_it_must(cast_a, client_for):
    case = rich_case(cast_a)

    response = release(client_for(cast_a.af), case)
    text = pdf_text(response.content)

    assert flat(PARENT_VIEW) in flat(text)
    assert "Advies: gesprek met ouders binnen een week." in text
    assert "Moeder belt de huisarts." in text
    assert "Veilig Thuis heeft op" in text  # that VT took a decision about the child, and when
    assert "Autoriteit Persoonsgegevens" in text
    assert cast_a.school.name in text
    assert "pagina 1 van" in text
    for absent in [OTHER_PUPIL, OTHER_CHILD, THIRD_PARTY, VT_RESTRICTED, VT_ORGANISATION, WITHHELD_CAUSE, SHELTER]:
        assert flat(absent) not in flat(text), absent
    # The colleague who reported (the teacher) is not named; the contact person (the AF) is.
    assert cast_a.teacher.last_name not in text
    assert cast_a.af.last_name in text


def test_the_pdf_is_tagged_and_dutch(cast_a, client_for):
    case = rich_case(cast_a)
    reader = PdfReader(io.BytesIO(release(client_for(cast_a.ib), case).content))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nl"
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4


def test_the_pdf_embeds_one_font_family_in_two_faces(cast_a, client_for):
    # Every embedded face is subset again in each render (with fontTools, ~0.1-0.2 s a face when HarfBuzz-Subset is
    # missing): the extract uses DejaVu Sans regular and bold only — no italic, no monospace (bench/pdf-notes.md).
    reader = PdfReader(io.BytesIO(release(client_for(cast_a.af), rich_case(cast_a)).content))
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"DejaVu-Sans", "DejaVu-Sans-Bold"}


def test_the_checksum_is_stored_printed_and_recomputable(cast_a, client_for):
    case = rich_case(cast_a)

    response = release(client_for(cast_a.af), case)

    stored = ExtractRelease.objects.get(case=case)
    assert stored.generated_by == cast_a.af
    assert re.fullmatch(r"[0-9a-f]{64}", stored.checksum)
    assert stored.checksum in flat(pdf_text(response.content))
    # The seal of the file (issue 21): the head of the case's chain when the extract was built, printed and stored.
    assert stored.chain_seq > 0 and f"{stored.chain_seq}-{stored.chain_head}" in flat(pdf_text(response.content))
    # Recompute: the content section rendered again from the same data, with the seal it printed.
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    extract = extract_rules.build_extract(
        case=case,
        timeline=data.timeline,
        redactions=data.redactions,
        contact_persons=data.contact_persons,
        chain_head=(stored.chain_seq, stored.chain_head),
    )
    assert hashlib.sha256(pdf.content_html(extract).encode()).hexdigest() == stored.checksum
    assert stored.content_version == pdf.CONTENT_VERSION and pdf.release_verifies(extract, stored)
    released, downloaded = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).order_by("pk")
    assert (released.user, released.target.split()[-1]) == (cast_a.af, stored.checksum[:16])
    assert (downloaded.user, downloaded.target) == (cast_a.af, f"parent extract {stored.pk} downloaded")


def test_an_extract_released_with_the_first_version_of_the_content_still_verifies(cast_a):
    """The plain-Dutch wording (issue 18) is version 2 of the content; an extract released before it verifies
    against version 1, the staff's words, as rendered then."""
    case = selectors.case_get_for_user(user=cast_a.af, case_id=rich_case(cast_a).pk)
    data = dossier_selectors.case_extract_data(case=case)
    extract = extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )
    then = pdf.content_html(extract, version=1)
    for words in ["Huidige stap", "stap 3: gesprek met ouders", "Stappen in het dossier", "Soort signaal"]:
        assert words in then, words
    old = ExtractRelease.objects.create(
        case=case, generated_by=cast_a.af, checksum=pdf.content_checksum(then), content_version=1
    )

    assert pdf.release_verifies(extract, old)
    assert not pdf.release_verifies(extract, ExtractRelease(checksum=old.checksum, content_version=2))
    current = pdf.CONTENT_VERSION
    assert ExtractRelease._meta.get_field("content_version").default == current == max(pdf.CONTENT_TEMPLATES)


def test_every_entry_is_in_the_extract_or_listed_as_left_out_with_a_reason(cast_a, client_for):
    case = rich_case(cast_a)

    response = client_for(cast_a.af).get(reverse("dossier:extract-preview", kwargs={"pk": case.pk}))

    assert response.status_code == 200
    extract = response.context["extract"]
    timeline = selectors.case_timeline(case=case)
    assert len(extract.items) == len(timeline)
    assert all(item.reason for item in extract.left_out)
    left_out = {item.key: str(item.reason) for item in extract.left_out}
    withheld = VeiligThuisReport.objects.get(case=case, disclosure_withheld=True)
    assert "veiligheid" in left_out[f"report:{withheld.pk}"]
    redaction = Redaction.objects.get(case=case)
    assert left_out[redaction.key] == redaction.reason
    partly = {(item.key, o.what) for item in extract.partly_left_out for o in item.omissions}
    first_signal = Signal.objects.filter(case=case).first()
    assert any(key == f"signal:{first_signal.pk}" for key, _what in partly)
    html = response.content.decode()
    assert redaction.reason in html
    assert SHELTER not in html.split('id="preview-heading"')[1]


def test_the_aandachtsfunctionaris_marks_an_entry_as_endangering_from_the_preview(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    signal = Signal.objects.get(case=case)
    client = client_for(cast_a.af)

    response = client.post(
        reverse("dossier:extract-redact", kwargs={"pk": case.pk}),
        {"entry": f"signal:{signal.pk}", "reason": "Bevat het adres van de opvang."},
    )

    assert response.status_code == 302
    redaction = Redaction.objects.get(case=case)
    assert (redaction.entry_type, redaction.entry_id, redaction.approved_by) == ("signal", signal.pk, cast_a.af)
    preview = client.get(reverse("dossier:extract-preview", kwargs={"pk": case.pk}))
    assert f"signal:{signal.pk}" in {item.key for item in preview.context["extract"].left_out}


def test_the_ib_may_preview_but_not_mark_entries(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    signal = Signal.objects.get(case=case)
    client = client_for(cast_a.ib)
    assert client.get(reverse("dossier:extract-preview", kwargs={"pk": case.pk})).context["redaction_form"] is None
    response = client.post(
        reverse("dossier:extract-redact", kwargs={"pk": case.pk}), {"entry": f"signal:{signal.pk}", "reason": "x"}
    )
    assert response.status_code == 403
    assert not Redaction.objects.exists()


@pytest.mark.parametrize("name", ["extract-preview", "extract-release"])
def test_a_teacher_gets_403_and_another_school_404(name, cast_a, cast_b, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    url = reverse(f"dossier:{name}", kwargs={"pk": case.pk})
    method = "get" if name == "extract-preview" else "post"

    assert getattr(client_for(cast_a.teacher), method)(url).status_code == 403
    assert getattr(client_for(cast_a.other_teacher), method)(url).status_code == 404
    assert getattr(client_for(cast_b.af), method)(url).status_code == 404
    assert getattr(client_for(cast_b.ib), method)(url).status_code == 404
    assert not ExtractRelease.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_rendering_runs_no_queries(cast_a, django_assert_num_queries):
    case = rich_case(cast_a)
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    extract = extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )
    with django_assert_num_queries(0):
        rendered = pdf.render_extract(extract=extract, generated_by=cast_a.af, generated_at=timezone.now())
    assert rendered.pdf.startswith(b"%PDF-")


def test_warming_up_renders_a_pdf_without_queries(db, monkeypatch, django_assert_num_queries):
    written = []
    write_pdf = pdf._write_pdf
    monkeypatch.setattr(pdf, "_write_pdf", lambda html: written.append(write_pdf(html)) or written[-1])

    with django_assert_num_queries(0):
        assert pdf.warm_up() is True

    assert len(written) == 1 and written[0].startswith(b"%PDF-")
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(written[0])).trailer["/Root"]


def test_the_renderer_fetches_nothing(tmp_path):
    stylesheet = tmp_path / "a5.css"
    stylesheet.write_text("@page { size: A5; }")
    link = f'<link rel="stylesheet" href="{stylesheet.as_uri()}">'
    html = f'<html lang="nl"><head>{link}</head><body><p>x</p></body></html>'

    reader = PdfReader(io.BytesIO(pdf._write_pdf(html)))

    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4: the A5 stylesheet was not loaded
    with pytest.raises(ValueError, match="disallowed protocol"):
        pdf._url_fetcher.fetch("https://example.org/tracker.png")


def test_a_failing_warm_up_is_logged_and_does_not_stop_the_application(monkeypatch, caplog):
    def broken(html):
        raise OSError("cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(pdf, "_write_pdf", broken)
    with caplog.at_level(logging.ERROR, logger="dossier.pdf"):
        assert pdf.warm_up() is False
    assert "Warming up the PDF renderer failed" in caplog.text
    assert "pango" in caplog.text


@pytest.mark.parametrize("enabled", [True, False])
def test_the_wsgi_application_warms_up_the_pdf_renderer_unless_switched_off(enabled, settings, monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "warm_up", lambda: calls.append("warm_up") or True)
    # ... and then moves what it loaded out of the garbage collector's generations (not done to the test process)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("gc.freeze"))
    settings.MELDCODE_PDF_WARM_UP = enabled
    monkeypatch.delitem(sys.modules, "meldcode.wsgi", raising=False)

    wsgi = importlib.import_module("meldcode.wsgi")

    assert callable(wsgi.application)
    assert calls == (["warm_up", "gc.freeze"] if enabled else ["gc.freeze"])


# --- For the parents: plain Dutch, the checksum once, long words wrap ------------------------------------------------


def test_the_first_page_explains_the_meldcode_veilig_thuis_and_what_parents_may_do(cast_a, client_for):
    reader = PdfReader(io.BytesIO(release(client_for(cast_a.af), rich_case(cast_a)).content))

    first = flat(reader.pages[0].extract_text())
    rest = flat("".join(page.extract_text() for page in reader.pages[1:]))

    for heading in ["Wat is de meldcode?", "Waarom houdt de school dit dossier bij?", "Wat is Veilig Thuis?"]:
        assert flat(heading) in first, heading
    assert flat("De meldcode is een vast plan met stappen.") in first
    assert flat("U kunt Veilig Thuis gratis bellen: 0800-2000.") in first
    for may in ["Vragen stellen.", "Om een verbetering vragen.", "Uw eigen kijk geven.", "Veilig Thuis vragen."]:
        assert flat(may) in first, may  # what the parents may do
    assert flat("[naam weggelaten]") in first  # what they read where a name is left out
    assert flat(PARENT_VIEW) not in first and flat(PARENT_VIEW) in rest  # the case starts on the next page


def test_the_extract_uses_no_internal_labels_and_prints_the_checksum_once_at_the_end(cast_a, client_for):
    case = rich_case(cast_a)
    _record(
        cast_a.af,
        case,
        WeighingAnswer(
            question=1, answer="B", justification="Signalen zijn ernstig.", board_informed_on=timezone.localdate()
        ),
    )

    response = release(client_for(cast_a.af), case)
    reader = PdfReader(io.BytesIO(response.content))
    text = pdf_text(response.content)

    for label in [
        "stap 1",
        "stap 2",
        "stap 3",
        "collegiale consultatie",
        "B —",
        "sterk vermoeden",
        "bevoegd gezag",
        "feitelijke waarneming",
        "Huidige stap",
        "SHA-256",
    ]:
        assert label not in text, label
    assert "Maakt de school zich ernstig zorgen?" in text
    assert flat("Ja: de school maakt zich ernstig zorgen, en het schoolbestuur weet ervan") in flat(text)
    assert flat("de school vraagt collega's of deskundigen om advies") in flat(text), text
    stored = ExtractRelease.objects.get(case=case)
    assert flat(text).count(stored.checksum) == 1
    last = flat(reader.pages[-1].extract_text())
    assert stored.checksum in last and "Controlecode" in last
    assert flat("Met deze code kan de school nagaan of dit uittreksel precies het uittreksel is dat u kreeg") in last


def test_a_long_unbroken_word_wraps_inside_the_page(cast_a, client_for):
    word = "Kastanjelaanhoekwoning" + "abcdefghij" * 28  # 302 characters without a space
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil, description=f"Zie {word} hierover.")

    text = pdf_text(release(client_for(cast_a.af), case).content)

    assert word in flat(text)  # the whole word is there ...
    longest = max(len(line) for line in text.splitlines())
    assert longest < 130, longest  # ... over several lines: no line runs past the margin (~90 characters fit)


# The release, in its three parts, runs the same number of queries for a case of 5 and of 50 entries:
# - the request: session, user, the second-factor device of the session, school ids, the case, its pupils, the
#   user's permissions on the case; the checks before a release (dossier.services.extract_release_refusals: the
#   extract built as the worker will, a number of queries that depends on the kinds of record the case holds,
#   not on their number, and the names check's one query);
#   the case locked, a job being prepared looked for, the job and its task stored (savepoints around them);
#   session save;
# - the worker: the task claimed and marked done; the job, the case as the user may see it (permissions again), the
#   chronology (selectors.case_timeline: one query per kind of record and per prefetched nested record), the
#   redactions, the contact persons, the names of the school's people for the names check (one query, whatever the
#   number of pupils, parents and staff: schools.names.NameIndex.for_school); the job locked, the release row and
#   the EXPORT audit row, the job marked ready;
# - the download: as the request's first part, then the release with its PDF and the EXPORT audit row.
# - issue 21 (the chain): the request reads the chain head when it builds the extract for its checks (+1); the
#   worker reads it when it builds the extract (+1) and appends the release's link: the case locked, the head read,
#   the link inserted (+3).
# - issue 19: one more kind of record (the transfer): +1 for the request and +1 for the worker.
# (+1 since issue 15: the signal list details added beside a signal, prefetched with the signals.)
# - issue 17: one more kind of record (route B's suspected member of staff): +1 for the request and the worker.
# - issue 17: three more kinds (the conversation with the child, a pupil involved, a look back): +3 for each.
# - domain.md §9.6: +1 for the request, the parents of the pupil (whom the extract is given to).
# - Since the chronology is read through its index (selectors.case_timeline: the index, then one query per kind the
#   case holds and per nested record of those kinds), the kinds this case does not hold cost nothing: -28 for the
#   request and the worker alike (a case of signals and consultations, a step change).
PINNED_RELEASE = {"request": 26, "worker": 35, "download": 12}


def grow(cast, case, n: int) -> None:
    """Add ``n`` signals and consultations (alternating) to the case."""
    for i in range(n):
        if i % 2:
            factories.add_consultation(cast.ib, Case.objects.get(pk=case.pk))
        else:
            services.signal_record(user=cast.ib, case=Case.objects.get(pk=case.pk), signal=factories.make_signal())


def release_queries(client, case) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    counts = {}
    data = recipient_data(case)
    with CaptureQueriesContext(connection) as request:
        requested = client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}), data)
    counts["request"] = len(request)
    with CaptureQueriesContext(connection) as worker:
        run_worker()
    counts["worker"] = len(worker)
    release_pk = ExtractRelease.objects.filter(case=case).latest("pk").pk
    assert client.get(requested.url).context["job"].release_id == release_pk
    with CaptureQueriesContext(connection) as download:
        response = client.get(reverse("dossier:extract-download", kwargs={"pk": case.pk, "release_pk": release_pk}))
    assert response.content.startswith(b"%PDF-")
    counts["download"] = len(download)
    return counts


def test_the_query_count_of_a_release_does_not_grow_with_the_entries(cast_a, client_for):
    small = factories.case_in_state(cast_a, "consulting")
    grow(cast_a, small, 5 - Signal.objects.filter(case=small).count())
    large = factories.case_in_state(cast_a, "consulting")
    grow(cast_a, large, 50 - Signal.objects.filter(case=large).count())
    client = client_for(cast_a.af)
    release(client, small)  # warm the process-wide caches (content types)

    assert release_queries(client, small) == release_queries(client, large) == PINNED_RELEASE
    assert Signal.objects.filter(case=large).count() + large.consultations.count() >= 50
    assert Signal.objects.filter(case=small).count() + small.consultations.count() >= 5


def test_version_3_prints_the_seal_of_the_file_and_a_release_of_version_2_still_verifies(cast_a):
    """Version 3 of the content (issue 21) prints the head of the case's chain; an extract released with version 2
    verifies against version 2, and one of version 3 against the head its release recorded."""
    from cases import chain

    case = selectors.case_get_for_user(user=cast_a.af, case_id=rich_case(cast_a).pk)
    data = dossier_selectors.case_extract_data(case=case)
    seq, head = chain.chain_head(case)
    extract = extract_rules.build_extract(
        case=case,
        timeline=data.timeline,
        redactions=data.redactions,
        contact_persons=data.contact_persons,
        chain_head=(seq, head),
    )
    v2 = pdf.content_html(extract, version=2)
    assert "Zegel" not in v2 and head not in v2
    old = ExtractRelease.objects.create(
        case=case, generated_by=cast_a.af, checksum=pdf.content_checksum(v2), content_version=2
    )
    assert pdf.release_verifies(extract, old)
    v3 = pdf.content_html(extract)
    assert "Zegel van het dossier" in v3 and f"{seq}-{head}" in v3
    assert f"Vastleggingen in het dossier van de school toen dit uittreksel werd gemaakt: {seq}." in v3
    new = ExtractRelease.objects.create(
        case=case, generated_by=cast_a.af, checksum=pdf.content_checksum(v3), chain_seq=seq, chain_head=head
    )
    assert new.content_version == 3
    # Built again later (the releases are records too: the head has moved on), it verifies with the head it printed.
    later = extract_rules.build_extract(
        case=case,
        timeline=data.timeline,
        redactions=data.redactions,
        contact_persons=data.contact_persons,
        chain_head=chain.chain_head(case),
    )
    assert chain.chain_head(case)[0] == seq + 2
    assert pdf.release_verifies(later, new)
    assert not pdf.release_verifies(later, ExtractRelease(checksum=new.checksum, chain_seq=seq, chain_head="0" * 64))
