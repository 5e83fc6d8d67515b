"""The staff dossier (issue 19): the whole file, released by the aandachtsfunctionaris for a stated recipient and
purpose, rendered by the task queue's worker through the parent extract's pipeline (one rendering path, two rule
sets)."""

import datetime
import hashlib
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cases import chain, selectors
from cases.models import AuditEvent, Case, ChainLink, Signal, WeighingAnswer
from cases.services.decisions import weighing_answer_record
from dossier import pdf
from dossier import services as dossier_services
from dossier.models import StaffDossierJob, StaffDossierRelease, StaffPurpose
from tests import factories
from tests.tasks import run_worker

RECIPIENT = "Inspectie van het Onderwijs, J. Jansen"
SECRET_NAME = "Pietje Puk"
SHELTER = "Blijf-van-mijn-lijfhuis aan de Lindeweg 12"


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def case_with_records(cast, n: int = 50) -> Case:
    """A case in step 4 of ``cast``'s school with ``n`` records in its chronology: signals (numbered), a weighing
    answer with its justification, a signal with a name left out (words) and one left out entirely (a shelter)."""
    case = factories.case_in_state(cast, "weighing")
    case = Case.objects.get(pk=case.pk)
    weighing_answer_record(
        user=cast.af,
        case=case,
        answer=WeighingAnswer(question=1, answer="A", justification="Verantwoording: het vermoeden blijft bestaan."),
    )
    from cases import permissions as perms
    from cases import services

    named = services.entry_record(
        user=cast.ib,
        case=case,
        entry=factories.make_signal(description=f"Het kind speelde met {SECRET_NAME} bij het hek."),
        permission=perms.ADD_SIGNAL,
    )
    shelter = services.entry_record(
        user=cast.ib,
        case=case,
        entry=factories.make_signal(description=f"Moeder verblijft in het {SHELTER}."),
        permission=perms.ADD_SIGNAL,
    )
    start = named.description.index(SECRET_NAME)
    dossier_services.name_decisions_record(
        user=cast.af,
        case=case,
        decisions=[("signal", named.pk, "description", start, start + len(SECRET_NAME), SECRET_NAME, False, "")],
    )
    dossier_services.redaction_record(
        user=cast.af, case=case, entry_type="signal", entry_id=shelter.pk, reason="Het adres van de opvang."
    )
    have = len(dossier_services.staff_dossier_build(case).items)
    at = timezone.now() - datetime.timedelta(seconds=n)
    Signal.objects.bulk_create(
        [
            Signal(
                case=case,
                author=cast.teacher,
                recorded_at=at + datetime.timedelta(milliseconds=i),
                **factories.signal_data(description=f"Waarneming {i:04d}: het kind was stil."),
            )
            for i in range(n - have)
        ]
    )
    return Case.objects.get(pk=case.pk)


def release(client, case, recipient=RECIPIENT, purpose=StaffPurpose.INSPECTION) -> StaffDossierRelease:
    response = client.post(
        reverse("dossier:staff-release", kwargs={"pk": case.pk}), {"recipient": recipient, "purpose": purpose}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = StaffDossierJob.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))
    assert job.state == "preparing"
    run_worker()
    job.refresh_from_db()
    assert job.state == "ready", (job.failure, job.detail)
    return job.release


@pytest.fixture
def fifty(cast_a):
    return case_with_records(cast_a, 50)


def test_the_staff_pdf_holds_every_record_marked_for_its_recipient(cast_a, client_for, fifty):
    case = fifty
    dossier = dossier_services.staff_dossier_build(case)
    assert len(dossier.items) == 50
    client = client_for(cast_a.af)
    assert client.get(reverse("dossier:staff-preview", kwargs={"pk": case.pk})).status_code == 200

    rel = release(client, case)
    assert (rel.recipient, rel.purpose, rel.released_by, rel.record_count) == (RECIPIENT, "inspection", cast_a.af, 50)
    assert rel.reference == f"{case.reference}-V1"

    response = client.get(reverse("dossier:staff-download", kwargs={"pk": case.pk, "release_pk": rel.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    text = flat("\n".join(pages))

    # Every record, in full: each signal's description (the one naming another pupil with the name marked), the
    # weighing's justification, each step change.
    for item in dossier.items:
        if item.kind == "signal" and SECRET_NAME not in item.entry.description:
            assert flat(item.entry.description) in text, item.entry.description
    transitions = [item for item in dossier.items if item.kind == "transition"]
    assert text.count(flat("Stapwijziging·")) == len(transitions) > 0
    assert flat("Verantwoording: het vermoeden blijft bestaan.") in text
    # The entry left out of the parent extract is in the staff dossier, with the decision and its reason.
    assert flat(SHELTER) in text
    assert flat("Weggelaten uit het uittreksel voor de ouders: Het adres van de opvang.") in text
    # The words left out as a name are marked as left out, with the reason; the name itself is not there.
    assert SECRET_NAME.replace(" ", "") not in text
    assert flat("Het kind speelde met [weggelaten: ") in text
    # Who recorded what (the parent extract leaves staff out): the teacher's name is in the staff dossier.
    assert cast_a.teacher.last_name in text
    # Every page: confidential, for the recipient, with the release's number.
    mark = flat(f"vertrouwelijk — voor {RECIPIENT} — {rel.reference}")
    assert len(pages) > 2
    for page in pages:
        assert mark in flat(page)
    # The cover: the pupil, the route, the steps, the current state and the checksum, which matches.
    pupil = case.pupils.get()
    assert flat(f"{pupil.first_name} {pupil.last_name}") in flat(pages[0] + pages[1])
    assert flat("De vijf stappen") in text and flat("Huidige stap") in text
    assert rel.checksum in text
    # The seal of the file (issue 21): the head of the case's chain when it was rendered — the link just before
    # the release's own (a release is a record of the case, chained after it).
    seq, _head = chain.chain_head(case)
    release_link = ChainLink.objects.get(case=case, seq=seq)
    assert release_link.record_type.endswith("staffdossierrelease") and release_link.record_id == rel.pk
    before = ChainLink.objects.get(case=case, seq=seq - 1)
    assert flat(f"Zegel van het dossier {before.seq}-{before.link_hash}") in text
    assert (
        rel.checksum
        == hashlib.sha256(
            pdf.content_html(
                dossier_services.staff_dossier_build(case, as_of=rel.released_at), rules=pdf.STAFF_RULES
            ).encode()
        ).hexdigest()
    )
    assert pdf.staff_release_verifies(dossier_services.staff_dossier_build(case, as_of=rel.released_at), rel)
    # Tagged, Dutch, A4.
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nl"
    assert catalog["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in catalog
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=1)
    # The release and the download are in the audit trail (exports).
    exports = list(
        AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT, user=cast_a.af).values_list(
            "target", flat=True
        )
    )
    assert f"staff dossier {rel.reference} {rel.checksum[:16]}" in exports
    assert f"staff dossier {rel.reference} downloaded" in exports


def test_the_audit_summary_redactions_and_earlier_releases_are_in_it(cast_a, client_for, fifty):
    client = client_for(cast_a.af)
    client.get(reverse("cases:case-detail", kwargs={"pk": fifty.pk}))
    first = release(client, fifty, recipient="Eigen administratie", purpose=StaffPurpose.OWN_RECORDS)
    second = release(client, fifty)
    assert second.number == first.number + 1
    dossier = dossier_services.staff_dossier_build(fifty, as_of=second.released_at)
    html = pdf.content_html(dossier, rules=pdf.STAFF_RULES)
    assert first.reference in html and "Eigen administratie" in html  # who released what
    assert "Het adres van de opvang." in html  # the redactions and why
    names = {p.name for p in dossier.data.audit.per_person}
    assert cast_a.af.get_full_name() in names
    actions = dict(dossier.data.audit.per_action)
    assert actions["bekeken"] >= 1 and actions["geëxporteerd"] >= 1


@pytest.mark.parametrize("role", ["teacher", "ib"])
def test_teachers_and_ib_get_403_and_another_school_404(role, cast_a, cast_b, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    for url in [
        reverse("dossier:staff-preview", kwargs={"pk": case.pk}),
    ]:
        assert client_for(cast_a.by_role(role)).get(url).status_code == 403
        assert client_for(cast_b.af).get(url).status_code == 404
    post = reverse("dossier:staff-release", kwargs={"pk": case.pk})
    data = {"recipient": RECIPIENT, "purpose": "inspection"}
    assert client_for(cast_a.by_role(role)).post(post, data).status_code == 403
    assert client_for(cast_b.af).post(post, data).status_code == 404
    assert not StaffDossierJob.objects.exists()


def test_the_release_needs_a_recipient_and_a_purpose(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    response = client_for(cast_a.af).post(
        reverse("dossier:staff-release", kwargs={"pk": case.pk}), {"recipient": "  ", "purpose": "court"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"recipient", "purpose"}
    assert "Dit veld is verplicht." in response.content.decode()
    assert not StaffDossierJob.objects.exists()


def test_the_parent_extract_is_unchanged_by_the_shared_pipeline(cast_a, client_for, fifty):
    """The parent extract of the same case: its content still leaves out what it left out."""
    extract = dossier_services.build_extract(selectors.case_get_for_user(user=cast_a.af, case_id=fifty.pk))
    html = pdf.content_html(extract)
    assert SHELTER not in html and SECRET_NAME not in html and "[naam weggelaten]" in html
    assert "weggelaten:" not in html
