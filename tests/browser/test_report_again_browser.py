"""Reporting again in Chromium with the demo data (issue 17, finding 2): a case of school A is reported and Veilig
Thuis is involved; new signals come, and the aandachtsfunctionaris makes an additional report from the case page,
saying what is new. The form first refuses the report without what is new (the input kept), then shows the
confirmation page; going back keeps every field; confirming stores the report and the case is "reported" again. The
form, the confirmation page and the case page pass axe-core."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from cases import services
from cases.models import Case, Transition, VeiligThuisReport
from schools.models import Pupil
from tests import factories
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_decision import vt_outcome, vt_report, weigh
from tests.cases.test_guards import nl

pytestmark = pytest.mark.browser

NEW = "Het kind kwam maandag met een nieuwe blauwe plek op de wang en zei dat vader weer had geslagen."


@pytest.fixture
def case_with_veilig_thuis(demo_data) -> Case:
    """A case of school A walked through the services to "Veilig Thuis involved", with the demo's people."""
    teacher = User.objects.get(username="leerkracht-a1")
    ib = User.objects.get(username="ib-a")
    af = User.objects.get(username="af-a")
    pupil = (
        Pupil.objects.filter(class_group__name="groep 3", school__brin="99XA", cases__isnull=True)
        .order_by("pk")
        .first()
    )
    assert pupil is not None
    case = factories.open_case(teacher, pupil, observed_on=timezone.localdate() - datetime.timedelta(days=10))
    factories.advance(teacher, case, "to_consulting")
    factories.add_consultation(ib, case, held_on=timezone.localdate() - datetime.timedelta(days=9))
    factories.advance(ib, case, "to_parent_talk")
    factories.add_conversation(ib, case, held_on=timezone.localdate() - datetime.timedelta(days=8))
    factories.advance(ib, case, "to_weighing")
    case = weigh(af, Case.objects.get(pk=case.pk), "B", "yes")
    report = vt_report(parents_informed=False, parents_informed_on=None, not_informed_reason="child_safety")
    case = services.case_report(user=af, case=case, report=report, expected_state="weighing")
    case = services.vt_outcome_record(user=af, case=case, outcome=vt_outcome(), expected_state="reported")
    assert case.state == "vt_involved"
    return case


def test_af_reports_again_while_veilig_thuis_is_involved(page, case_with_veilig_thuis, axe):
    case = case_with_veilig_thuis
    login(page, "af-a")
    page.goto(f"/dossiers/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert_accessible(axe, page)

    page.get_by_role("link", name=nl("Additional report to Veilig Thuis")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Additional report to Veilig Thuis"))
    assert_accessible(axe, page)
    page.fill(
        "#id_reported_at", timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.check("input[name=channel][value=phone]")
    page.fill("#id_relation_to_family", "Aandachtsfunctionaris van de school van het kind.")
    page.fill("#id_direct_cause", "Nieuwe signalen na de eerste melding.")
    page.fill("#id_nature_frequency_severity", "Blauwe plek op de wang.")
    page.check("input[name=not_informed_reason][value=child_safety]")
    page.check("#id_meldrecht_acknowledged")
    page.get_by_role("button", name=nl("Save"), exact=True).click()

    # Without what is new: refused, the input kept, nothing stored.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_direct_cause")).to_have_value("Nieuwe signalen na de eerste melding.")
    assert VeiligThuisReport.objects.filter(case=case).count() == 1
    page.fill("#id_what_is_new", NEW)
    page.get_by_role("button", name=nl("Save"), exact=True).click()

    # The confirmation page: what will happen and what was filled in; back keeps every field.
    expect(page.get_by_role("heading", level=1)).to_contain_text(nl("Additional report to Veilig Thuis"))
    expect(page.get_by_text(NEW)).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("button", name=nl("Back to the form")).click()
    expect(page.locator("#id_what_is_new")).to_have_value(NEW)
    expect(page.locator("#id_direct_cause")).to_have_value("Nieuwe signalen na de eerste melding.")
    assert Case.objects.get(pk=case.pk).state == "vt_involved"
    page.get_by_role("button", name=nl("Save"), exact=True).click()
    page.get_by_role("button", name=nl("Confirm: this cannot be undone")).click()

    expect(page.locator(".facts .badge-state")).to_have_text(nl("step 5: reported to Veilig Thuis"))
    expect(page.get_by_text(NEW).first).to_be_visible()
    page.reload()
    assert_accessible(axe, page)

    case = Case.objects.get(pk=case.pk)
    assert case.state == "reported"
    latest = VeiligThuisReport.objects.filter(case=case).latest("recorded_at", "pk")
    assert (latest.additional, latest.what_is_new, latest.author.username) == (True, NEW, "af-a")
    step = Transition.objects.filter(case=case).latest("at", "pk")
    assert (step.name, step.from_state, step.to_state) == ("report_again", "vt_involved", "reported")
