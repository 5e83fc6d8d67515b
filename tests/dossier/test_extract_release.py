"""Releasing the parent extract of a large case (issue 18): the request stores a job and enqueues its rendering,
and renders nothing; the task queue's worker renders the PDF and stores it with the release; the job's page shows
how far it is, the download link, or a Dutch error with a retry. The task checks the user's permission again."""

import datetime
import io
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from cases import selectors
from cases.models import AuditEvent, Case, Signal
from dossier import pdf
from dossier import services as dossier_services
from dossier.models import ExtractJob, ExtractRelease
from schools.models import Membership
from tests import factories
from tests.tasks import reset_mail, run_worker

PARAGRAPH = (
    "Bij het ophalen stond de leerling lang bij het hek te wachten en wilde niet mee naar huis; zij vertelde dat "
    "het thuis weer onrustig was geweest en dat zij 's nachts wakker lag van het geschreeuw. "
)


def large_case(cast, n: int, *, paragraphs: int = 2) -> Case:
    """A case of the cast's school with ``n`` signals (stored at once: append-only models may be created), each with
    a numbered description of ``paragraphs`` paragraphs."""
    case = factories.case_in_state(cast, "consulting")
    at = timezone.now() - datetime.timedelta(days=2)
    Signal.objects.bulk_create(
        [
            Signal(
                case=case,
                author=cast.teacher,
                recorded_at=at + datetime.timedelta(seconds=i),
                **factories.signal_data(description=f"Waarneming {i:04d}. " + PARAGRAPH * paragraphs),
            )
            for i in range(n)
        ]
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def no_rendering(monkeypatch):
    """Fails the test if a PDF is rendered (in the request)."""
    rendered = []

    def refuse(html):
        rendered.append(html)
        raise AssertionError("a PDF was rendered")

    monkeypatch.setattr(pdf, "_write_pdf", refuse)
    return rendered


def job_page(client, case, job) -> str:
    response = client.get(reverse("dossier:extract-job", kwargs={"pk": case.pk, "job_pk": job.pk}))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.parametrize("n", [300, 1000])
def test_the_release_request_renders_nothing_and_enqueues_the_task(n, cast_a, client_for, no_rendering):
    case = large_case(cast_a, n)
    client = client_for(cast_a.af)

    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    started = time.perf_counter()
    response = client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))
    elapsed = time.perf_counter() - started

    job = ExtractJob.objects.get(case=case)
    assert response.status_code == 302
    assert response.url == reverse("dossier:extract-job", kwargs={"pk": case.pk, "job_pk": job.pk})
    assert (job.state, job.requested_by, job.release) == (ExtractJob.State.PREPARING, cast_a.af, None)
    task = DBTaskResult.objects.get()
    assert (task.status, task.task_path) == ("READY", "dossier.tasks.render_extract")
    assert task.args_kwargs == {"args": [], "kwargs": {"job_id": job.pk}}
    assert no_rendering == [] and not ExtractRelease.objects.exists()
    assert not AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).exists()
    assert elapsed < 2, elapsed  # it loads no entries: the same for 300 and 1,000
    html = job_page(client, case, job)
    assert "Het uittreksel wordt klaargemaakt…" in html
    assert f'hx-get="{response.url}"' in html and f'href="{response.url}"' in html  # htmx polls; the link reloads
    assert "Download" not in html


def test_a_second_release_while_one_is_being_prepared_is_the_same_job(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    url = reverse("dossier:extract-release", kwargs={"pk": case.pk})
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    first = client_for(cast_a.af).post(url)
    second = client_for(cast_a.ib).post(url)
    assert first.url == second.url
    assert ExtractJob.objects.count() == 1 and DBTaskResult.objects.count() == 1


@pytest.mark.parametrize(("n", "paragraphs"), [(300, 2), (1000, 1)])
def test_the_worker_renders_and_stores_the_pdf_of_a_large_case(n, paragraphs, cast_a, client_for):
    case = large_case(cast_a, n, paragraphs=paragraphs)
    client = client_for(cast_a.af)
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))

    results = run_worker()

    assert [r.status for r in results] == ["SUCCESSFUL"], [r.traceback for r in results]
    job = ExtractJob.objects.get(case=case)
    release = ExtractRelease.objects.get(case=case)
    assert (job.state, job.release, release.generated_by) == (ExtractJob.State.READY, release, cast_a.af)
    visible = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    assert release.included_count == len(dossier_services.build_extract(visible).included) >= n
    html = job_page(client, case, job)
    assert "Het uittreksel is klaar." in html and "hx-get" not in html
    download = reverse("dossier:extract-download", kwargs={"pk": case.pk, "release_pk": release.pk})
    assert f'href="{download}"' in html and release.checksum in html

    response = client.get(download)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    pages = len(reader.pages)
    assert pages > n // 10
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert f"pagina 1 van {pages}" in first and f"pagina {pages} van {pages}" in last
    text = "".join(page.extract_text() for page in reader.pages)
    numbers = [f"Waarneming {i:04d}." for i in range(n)]
    assert [number for number in numbers if number not in text] == []
    assert text.index(numbers[0]) < text.index(numbers[n // 2]) < text.index(numbers[-1])  # in order
    assert release.checksum in text.replace("\n", "")
    events = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).order_by("pk")
    assert [(e.user, e.target) for e in events] == [
        (cast_a.af, f"parent extract {release.pk} {release.checksum[:16]}"),
        (cast_a.af, f"parent extract {release.pk} downloaded"),
    ]


def test_a_failed_render_shows_a_dutch_error_and_can_be_retried(cast_a, client_for, monkeypatch):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.af)
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))

    def broken(html):
        raise OSError("cannot load library 'pango-1.0-0'")

    write_pdf = pdf._write_pdf
    monkeypatch.setattr(pdf, "_write_pdf", broken)
    results = run_worker()

    assert [r.status for r in results] == ["FAILED"]  # the queue records the error too
    job = ExtractJob.objects.get(case=case)
    assert (job.state, job.failure, job.release) == (ExtractJob.State.FAILED, ExtractJob.Failure.RENDERING, None)
    assert not ExtractRelease.objects.exists()
    assert not AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).exists()
    html = job_page(client, case, job)
    assert "Het uittreksel kon niet worden klaargemaakt: de pdf kon niet worden gemaakt." in html
    assert "Er is niets vrijgegeven." in html and "Opnieuw proberen" in html and "Download" not in html
    assert "pango" not in html

    monkeypatch.setattr(pdf, "_write_pdf", write_pdf)
    retry = client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))
    retried = ExtractJob.objects.exclude(pk=job.pk).get()
    assert retry.url.endswith(f"/{retried.pk}/")
    assert [r.status for r in run_worker()] == ["SUCCESSFUL"]
    retried.refresh_from_db()
    assert retried.state == ExtractJob.State.READY and bytes(retried.release.pdf).startswith(b"%PDF-")


def test_the_task_checks_the_permission_again_when_it_runs(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.af)
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))
    # Before the worker gets to it, the aandachtsfunctionaris leaves the school.
    Membership.objects.filter(user=cast_a.af, school=cast_a.school).delete()

    assert [r.status for r in run_worker()] == ["SUCCESSFUL"]  # the task ran, and refused

    job = ExtractJob.objects.get(case=case)
    assert (job.state, job.failure) == (ExtractJob.State.FAILED, ExtractJob.Failure.NOT_ALLOWED)
    assert not ExtractRelease.objects.exists()
    assert AuditEvent.objects.filter(
        case=case, user=cast_a.af, action=AuditEvent.Action.DENIED, target=f"parent extract job {job.pk}"
    ).exists()
    assert not AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).exists()


def test_a_job_whose_task_was_lost_can_be_released_again(cast_a, client_for, settings):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.af)
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))
    DBTaskResult.objects.all().delete()  # the worker never ran it
    job = ExtractJob.objects.get()
    ExtractJob.objects.filter(pk=job.pk).update(
        requested_at=timezone.now() - datetime.timedelta(minutes=settings.MELDCODE_EXTRACT_TIMEOUT_MINUTES + 1)
    )

    html = job_page(client, case, job)
    assert "het duurde te lang; de taak is niet afgerond" in html and "Opnieuw proberen" in html
    assert "hx-get" not in html

    client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))
    job.refresh_from_db()
    assert (job.state, job.failure) == (ExtractJob.State.FAILED, ExtractJob.Failure.TIMED_OUT)
    assert [r.status for r in run_worker()] == ["SUCCESSFUL"]
    assert bytes(ExtractJob.objects.get(state=ExtractJob.State.READY).release.pdf).startswith(b"%PDF-")


def test_a_release_of_another_case_or_without_its_pdf_is_not_found(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    other = factories.case_in_state(cast_a, "consulting")
    kept = dict(generated_at=timezone.now(), checksum="d" * 64, included=1, left_out=0)
    of_other = dossier_services.extract_release_record(user=cast_a.af, case=other, pdf=b"%PDF-x", **kept)
    without_pdf = dossier_services.extract_release_record(user=cast_a.af, case=case, **kept)  # before PDFs were kept
    client = client_for(cast_a.af)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count()

    for release in (of_other, without_pdf):
        url = reverse("dossier:extract-download", kwargs={"pk": case.pk, "release_pk": release.pk})
        assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == before


def test_the_preview_of_a_large_case_shows_a_page_of_entries_at_a_time(cast_a, client_for):
    case = large_case(cast_a, 300, paragraphs=1)
    client = client_for(cast_a.af)
    url = reverse("dossier:extract-preview", kwargs={"pk": case.pk})

    first = client.get(url)
    last = client.get(url + "?pagina=4")

    total = first.context["page"].paginator.count
    assert total > 300 and first.context["page"].paginator.num_pages == 4
    html = re.sub(r"\s+", " ", first.content.decode())
    assert f"vastleggingen 1–100 van {total} in het uittreksel" in html
    preview = html.split('id="preview-heading"')[1]
    assert "Waarneming 0000." in preview and "Waarneming 0099." in preview and "Waarneming 0100." not in preview
    assert 'href="?pagina=2#preview-heading"' in preview
    assert "Waarneming 0299." in client.get(url + "?pagina=3").content.decode().split('id="preview-heading"')[1]
    assert "Waarneming" not in last.content.decode().split('id="preview-heading"')[1]  # the opening's entries
    assert len(first.content) < 400_000
    # The release still covers every entry, not only the page shown.
    assert len(first.context["redaction_form"].fields["entry"].choices) >= 300


class _PgError(Exception):
    def __init__(self, pgcode):
        self.pgcode = pgcode


@pytest.mark.parametrize(
    ("pgcode", "failure", "dutch"),
    [
        ("53100", "storage", "de pdf kon niet worden opgeslagen (de opslag is vol of niet beschrijfbaar)"),
        ("25006", "storage", "de pdf kon niet worden opgeslagen (de opslag is vol of niet beschrijfbaar)"),
        (None, "database", "de database was even niet bereikbaar"),
    ],
)
def test_a_release_that_cannot_be_stored_shows_a_dutch_error_and_stores_nothing(
    cast_a, client_for, monkeypatch, pgcode, failure, dutch
):
    """The storage full or read-only, or the connection lost, when the release and its PDF are stored (a real full
    disk and a real restart: tests/faults)."""
    from django.db import OperationalError

    case = factories.case_in_state(cast_a, "consulting")
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    client = client_for(cast_a.af)
    client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}))

    def fails(**kwargs):
        raise OperationalError("could not extend file: No space left on device") from _PgError(pgcode)

    monkeypatch.setattr(dossier_services, "extract_release_record", fails)
    results = run_worker()

    assert [r.status for r in results] == ["FAILED"]
    job = ExtractJob.objects.get(case=case)
    assert (job.state, job.failure, job.release) == (ExtractJob.State.FAILED, failure, None)
    assert not ExtractRelease.objects.exists()
    html = job_page(client, case, job)
    assert f"Het uittreksel kon niet worden klaargemaakt: {dutch}." in html
    assert "Er is niets vrijgegeven." in html and "No space" not in html


# --- To whom (domain.md §9.6): only a parent or carer with parental authority ---------------------------------------


@pytest.fixture
def family(cast_a):
    """A case about a pupil with a mother with parental authority and a father without."""
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    mother = factories.GuardianFactory(pupil=pupil, name="Ineke Voorbeeld", relation="mother")
    father = factories.GuardianFactory(
        pupil=pupil, name="Joost Voorbeeld", relation="father", has_parental_authority=False
    )
    case = factories.open_case(cast_a.teacher, pupil)
    return Case.objects.get(pk=case.pk), mother, father


def test_the_preview_offers_only_the_parents_with_parental_authority(cast_a, client_for, family):
    case, mother, father = family
    response = client_for(cast_a.af).get(reverse("dossier:extract-preview", kwargs={"pk": case.pk}))
    assert response.context["recipients"] == [mother]
    html = response.content.decode()
    assert f'<option value="{mother.pk}">' in html and f'<option value="{father.pk}">' not in html


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (None, "Kies de ouder of verzorger met ouderlijk gezag"),
        ("father", "Joost Voorbeeld heeft geen ouderlijk gezag"),
        ("other", "Kies een ouder of verzorger van de leerling"),
    ],
)
def test_a_release_without_a_parent_with_authority_is_refused_and_stores_nothing(
    cast_a, client_for, family, chosen, message
):
    case, _mother, father = family
    other = factories.GuardianFactory(pupil=factories.PupilFactory(class_group=cast_a.group2))
    data = {"father": {"ontvanger": father.pk}, "other": {"ontvanger": other.pk}}.get(chosen, {})
    response = client_for(cast_a.af).post(reverse("dossier:extract-release", kwargs={"pk": case.pk}), data, follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert message in shown
    assert not ExtractJob.objects.exists() and not ExtractRelease.objects.exists()


def test_the_release_records_the_parent_it_is_given_to(cast_a, client_for, family):
    case, mother, _father = family
    client = client_for(cast_a.af)
    reset_mail()
    requested = client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}), {"ontvanger": mother.pk})
    assert requested.status_code == 302
    job = ExtractJob.objects.get()
    assert (job.recipient_guardian, job.recipient) == (mother, "Ineke Voorbeeld (moeder)")
    run_worker()
    release = ExtractRelease.objects.get()
    assert release.recipient == "Ineke Voorbeeld (moeder)"
    assert "Gegeven aan: Ineke Voorbeeld (moeder)" in job_page(client, case, ExtractJob.objects.get())
