"""Annual figures and the pupil import in Chromium with the demo data: the aandachtsfunctionaris of school A opens
the figures from the menu (the page passes axe-core, small counts show as "< 5", the chart is an SVG without
script) and downloads the CSV; the administrator imports the sample file through the admin (upload, preview,
confirm)."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from cases.models import AuditEvent
from schools.models import Pupil, PupilImport
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_guards import nl

pytestmark = pytest.mark.browser


def test_af_sees_the_annual_figures_and_downloads_the_csv(page, demo_data, axe):
    login(page, "af-a")
    page.get_by_role("link", name=nl("Annual figures"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(nl("Annual figures %(year)s").split("%")[0].strip())
    expect(page.locator(".figures-table").first).to_be_visible()
    expect(page.locator("td.number").filter(has_text="< 5").first).to_be_visible()
    assert page.locator("svg.figures-chart").count() == 2
    assert page.locator("main a[href*='/dossiers/']").count() == 0
    assert_accessible(axe, page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=nl("Download as CSV")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("jaarcijfers-99XA-")
    content = Path(download.path()).read_bytes().decode("utf-8-sig")
    assert "< 5" in content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, case=None, user__username="af-a").count() == 1


def test_the_administrator_imports_the_sample_file(page, demo_data, axe):
    login(page, "beheerder")
    page.goto("/beheer/schools/pupil/")
    page.get_by_role("link", name=nl("Import pupils (CSV)")).click()
    page.get_by_label(nl("school")).select_option(label="Basisschool De Vlinderboom")
    page.get_by_label(nl("CSV file from the pupil administration")).set_input_files(
        str(Path(settings.BASE_DIR) / "fixtures" / "leerlingen-voorbeeld.csv")
    )
    page.get_by_role("button", name=nl("Show what would change")).click()
    expect(page.locator("#count-created")).to_have_text("10")
    expect(page.locator("#count-unchanged")).to_have_text("1")
    assert not Pupil.objects.filter(pupil_system_id="A200101").exists()
    assert_accessible(axe, page)

    page.get_by_role("button", name=nl("Import now")).click()
    expect(page.locator(".messagelist")).to_contain_text("10")
    assert Pupil.objects.filter(pupil_system_id__startswith="A2001").count() == 10
    assert PupilImport.objects.get().imported_by.username == "beheerder"
