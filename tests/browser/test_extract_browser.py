"""The parent extract in Chromium with the demo data: the aandachtsfunctionaris of school A opens a case, previews
the extract (the page passes axe-core), marks an entry as endangering someone, releases the extract, sees it being
prepared and then ready (the task queue's worker renders it; htmx refreshes the page), and a PDF download arrives."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import User
from cases.models import AuditEvent, Case, ParentView
from dossier.models import ExtractRelease, Redaction
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_guards import nl
from tests.tasks import reset_mail, run_worker

pytestmark = pytest.mark.browser


def choose_recipient(page):
    """The release form asks whom the extract is given to (domain.md §9.6): the first parent with authority."""
    if page.locator("#id_ontvanger").count():
        page.locator("#id_ontvanger").select_option(index=1)


def test_af_previews_and_releases_the_parent_extract(page, demo_data, axe):
    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    view = (
        ParentView.objects.filter(case__school__memberships__user__username="af-a")
        .select_related("case")
        .order_by("pk")
        .first()
    )
    case: Case = view.case
    login(page, "af-a")
    page.goto(f"/dossiers/{case.pk}/")
    page.get_by_role("link", name=nl("Extract for the parents (preview and release)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Extract for the parents: preview"))
    expect(page.locator(".extract-preview")).to_contain_text(view.text)
    assert_accessible(axe, page)

    # Mark the first signal as endangering someone: it moves to the list of what is left out, with the reason.
    page.get_by_label(nl("entry")).select_option(index=1)
    page.get_by_label(nl("why this could endanger someone")).fill("Noemt het adres van de opvang.")
    page.get_by_role("button", name=nl("Leave this entry out")).click()
    expect(page.locator(".messages")).to_contain_text(nl("The entry is left out of the extract."))
    expect(page.locator("tr.left-out").filter(has_text="Noemt het adres van de opvang.")).to_have_count(1)
    assert Redaction.objects.filter(case=case).count() == 1
    page.reload()
    assert_accessible(axe, page)

    # Releasing stores a job; the page says the extract is being prepared, and asks again by itself (htmx).
    choose_recipient(page)
    page.get_by_role("button", name=nl("Release the extract (PDF)")).click()
    expect(page.locator("#extract-job")).to_contain_text(nl("The extract is being prepared…"))
    assert_accessible(axe, page)
    assert not ExtractRelease.objects.exists()
    assert [r.status for r in run_worker()] == ["SUCCESSFUL"]  # the task queue's worker renders it
    expect(page.locator("#extract-job")).to_contain_text(nl("The extract is ready."), timeout=10_000)
    assert_accessible(axe, page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=nl("Download the extract (PDF)")).click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"uittreksel-{case.reference}")
    with open(download.path(), "rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    release = ExtractRelease.objects.get(case=case)
    assert release.checksum in "".join(text.split())
    assert "".join(view.text.split()) in "".join(text.split())
    assert AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).count() == 2  # released, downloaded


def test_af_decides_about_the_names_of_other_pupils_before_releasing(page, demo_data, axe):
    """Issue 18, finding 6, in Chromium at 375 px: a signal names another pupil of the school; the preview highlights
    the name (the page passes axe-core), the release is refused until the aandachtsfunctionaris decides, and the
    PDF then has "[naam weggelaten]" instead of the name."""
    from cases import services

    reset_mail()  # the set-up's hand-over mails are sent first: the queue holds the release only
    from schools.models import Pupil
    from tests import factories

    view = (
        ParentView.objects.filter(case__school__memberships__user__username="af-a")
        .select_related("case")
        .order_by("pk")
        .first()
    )
    case: Case = view.case
    other = Pupil.objects.filter(school=case.school).exclude(pk__in=case.pupils.all()).first()
    full_name = f"{other.first_name} {other.last_name}"
    af = User.objects.get(username="af-a")
    services.signal_record(
        user=af, case=case, signal=factories.make_signal(description=f"{full_name} vertelde het aan de juf.")
    )
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "af-a")
    page.goto(f"/dossiers/{case.pk}/uittreksel/")
    expect(page.locator("fieldset.name-hit mark").filter(has_text=full_name)).to_have_count(1)
    assert_accessible(axe, page)
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide

    choose_recipient(page)
    page.get_by_role("button", name=nl("Release the extract (PDF)")).click()
    expect(page.locator(".messages")).to_contain_text("niet vrijgegeven")
    assert not ExtractRelease.objects.filter(case=case).exists()

    page.get_by_role("button", name=nl("Leave out every proposed name that has no choice")).click()
    expect(page.locator(".messages")).to_contain_text(nl("Your decisions about the names have been recorded."))
    expect(page.locator("tr.name-decision").filter(has_text=full_name)).to_have_count(1)
    assert_accessible(axe, page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    choose_recipient(page)
    page.get_by_role("button", name=nl("Release the extract (PDF)")).click()
    expect(page.locator("#extract-job")).to_contain_text(nl("The extract is being prepared…"))
    assert [r.status for r in run_worker()] == ["SUCCESSFUL"]
    expect(page.locator("#extract-job")).to_contain_text(nl("The extract is ready."), timeout=10_000)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=nl("Download the extract (PDF)")).click()
    with open(download_info.value.path(), "rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)
    assert "".join(full_name.split()) not in "".join(text.split())
    assert "[naamweggelaten]vertelde" in "".join(text.split())
