"""Steps 4-5 in Chromium with the demo data: the aandachtsfunctionaris weighs a case to a report to Veilig Thuis and
records the outcome; and weighs a second case to a help plan, its evaluation and the monitoring agreements. The
weighing page, the report form, the help plan form and the case page pass axe-core."""

import datetime

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import User
from cases.models import (
    Case,
    HelpEvaluation,
    HelpPlan,
    MonitoringAgreement,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from cases.views_decisions import Q2_DEFINITIONS
from schools.models import Pupil
from tests import factories
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_guards import nl

pytestmark = pytest.mark.browser


def english(lazy) -> str:
    with translation.override("en"):
        return str(lazy)


def _date(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _badge(page):
    return page.locator(".facts .badge-state")


def _open_case_from_start_page(page, *, state: str | None = None, reference: str | None = None) -> str:
    """On the aandachtsfunctionaris's start page, open the case waiting in ``state`` (or with ``reference``)."""
    table = page.locator("table").filter(
        has=page.locator("caption", has_text=nl("Needs your action now (most urgent first)"))
    )
    rows = table.locator("tbody tr")
    row = rows.filter(has_text=nl(state)) if state else rows.filter(has_text=reference)
    expect(row).to_have_count(1)
    link = row.get_by_role("link").first
    ref = link.inner_text().strip()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)
    return ref


def _answer(page, value: str, justification: str, board_date: str | None = None) -> None:
    page.check(f"input[name=answer][value={value}]")
    page.fill("#id_justification", justification)
    if board_date:
        page.fill("#id_board_informed_on", board_date)
    page.get_by_role("button", name=nl("Record the answer")).click()
    expect(page.locator(".messages")).to_contain_text(nl("The answer is recorded."))


def _assert_accessible_without_message(axe, page) -> None:
    """axe on the page as it stands, without the one-off message of the previous step (that message has its own
    test below, ``test_a_page_with_a_message_passes_axe``)."""
    page.reload()
    expect(page.locator(".messages")).to_have_count(0)
    assert_accessible(axe, page)


def _save(page) -> None:
    page.get_by_role("button", name=nl("Save"), exact=True).click()


def test_af_weighs_a_case_to_a_report_and_records_the_outcome(page, demo_data, axe):
    login(page, "af-a")
    expect(page.get_by_role("heading", level=1)).to_have_text("Startpagina — aandachtsfunctionaris")
    reference = _open_case_from_start_page(page, state="step 4: weighing")
    case = Case.objects.get(reference=reference, school__brin="99XA")
    assert case.state == "weighing"

    page.get_by_role("link", name=nl("Weigh the suspicion (five questions)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Weighing: the five weighing questions"))
    expect(page.locator("input[name=answer][value=A]")).to_be_visible()
    assert_accessible(axe, page)

    _answer(page, "B", "Sterk vermoeden na de stappen 1 tot en met 3.", board_date=_date(-1))
    expect(page.get_by_text(nl(english(Q2_DEFINITIONS)))).to_be_visible()
    expect(page.locator("#id_board_informed_on")).to_have_count(0)
    _answer(page, "yes", "Structureel onveilig: herhaalde blauwe plekken.")

    page.get_by_role("link", name=nl("Report to Veilig Thuis")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Report to Veilig Thuis"))
    assert_accessible(axe, page)
    page.fill(
        "#id_reported_at", timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.check("input[name=channel][value=phone]")
    page.fill("#id_vt_contact", "mevrouw De Wit")
    page.fill("#id_relation_to_family", "Aandachtsfunctionaris van de school van het kind.")
    page.fill("#id_direct_cause", "Herhaalde blauwe plekken; het kind vertelde over slaan.")
    page.fill("#id_nature_frequency_severity", "Blauwe plekken, drie keer in twee weken.")
    page.check("#id_parents_informed")
    page.fill("#id_parents_informed_on", _date(0))
    page.fill("#id_parents_reaction", "Moeder was boos maar begreep het.")
    for box in page.locator("input[name=informed_guardians]").all():  # the parents with parental authority
        box.check()
    page.check("#id_meldrecht_acknowledged")
    _save(page)
    # The confirmation page: what will happen, and that it cannot be undone.
    expect(page.get_by_role("heading", level=1)).to_contain_text(nl("Report to Veilig Thuis"))
    assert_accessible(axe, page)
    page.get_by_role("button", name=nl("Confirm: this cannot be undone")).click()

    expect(_badge(page)).to_have_text(nl("step 5: reported to Veilig Thuis"))
    _assert_accessible_without_message(axe, page)
    page.get_by_role("link", name=nl("Decision and conclusion of Veilig Thuis")).click()
    page.fill("#id_assessed_on", _date(0))
    page.check("input[name=decision][value=investigation]")
    page.fill("#id_expectations", "School blijft signaleren en koppelt terug.")
    _save(page)
    expect(_badge(page)).to_have_text(nl("Veilig Thuis involved"))

    case = Case.objects.get(pk=case.pk)
    af = User.objects.get(username="af-a")
    assert case.state == "vt_involved"
    assert list(WeighingAnswer.objects.filter(case=case).order_by("question").values_list("question", "answer")) == [
        (1, "B"),
        (2, "yes"),
    ]
    report = VeiligThuisReport.objects.get(case=case)
    assert (report.author, report.emergency, report.channel, report.parents_informed) == (af, False, "phone", True)
    assert VeiligThuisOutcome.objects.get(case=case).decision == "investigation"


@pytest.fixture
def second_case_in_weighing(demo_data) -> Case:
    """A second case in step 4 at school A, walked there through the services with the demo's people."""
    teacher = User.objects.get(username="leerkracht-a1")
    ib = User.objects.get(username="ib-a")
    pupil = (
        Pupil.objects.filter(class_group__name="groep 3", school__brin="99XA", cases__isnull=True)
        .order_by("pk")
        .first()
    )
    assert pupil is not None
    case = factories.open_case(teacher, pupil, observed_on=timezone.localdate() - datetime.timedelta(days=5))
    factories.advance(teacher, case, "to_consulting")
    factories.add_consultation(ib, case, held_on=timezone.localdate() - datetime.timedelta(days=4))
    factories.advance(ib, case, "to_parent_talk")
    factories.add_conversation(ib, case, held_on=timezone.localdate() - datetime.timedelta(days=3))
    factories.advance(ib, case, "to_weighing")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "weighing"
    return case


def test_af_weighs_a_case_to_help_evaluation_and_monitoring(page, second_case_in_weighing, axe):
    case = second_case_in_weighing
    ib = User.objects.get(username="ib-a")
    login(page, "af-a")
    _open_case_from_start_page(page, reference=case.reference)
    page.get_by_role("link", name=nl("Weigh the suspicion (five questions)")).click()
    _answer(page, "B", "Sterk vermoeden.", board_date=_date(-1))
    _answer(page, "no", "Geen acute of structurele onveiligheid.")
    _answer(page, "yes", "Het wijkteam kan hulp bieden.")
    _answer(page, "yes", "Ouders accepteren de hulp.")

    page.get_by_role("link", name=nl("Start the help")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Start the help"))
    assert_accessible(axe, page)
    page.select_option("#id_case_manager", value=str(ib.pk))
    page.fill("#id_roles", "IB'er is casemanager; wijkteam begeleidt het gezin.")
    page.fill("#id_measurable_result", "Het kind komt vier weken op tijd en uitgerust op school.")
    page.fill("#id_evaluation_on", _date(42))
    page.check("input[name=parents_accept][value=yes]")
    page.fill("#id_taken-0-who", "IB'er")
    page.fill("#id_taken-0-what", "Aanmelding bij het wijkteam")
    page.fill("#id_taken-0-due_on", _date(14))
    _save(page)

    expect(_badge(page)).to_have_text(nl("step 5: help organised"))
    expect(page.get_by_text("Aanmelding bij het wijkteam").first).to_be_visible()
    _assert_accessible_without_message(axe, page)

    page.get_by_role("link", name=nl("Evaluate the help")).click()
    page.select_option("#id_plan", index=1)
    page.fill("#id_evaluated_on", _date(0))
    page.check("#id_result_reached")
    page.fill("#id_findings", "Het kind komt uitgerust en op tijd.")
    page.fill("#id_early_reason", "Het resultaat is eerder bereikt dan afgesproken.")  # before the evaluation date
    _save(page)
    expect(_badge(page)).to_have_text(nl("step 5: evaluating the help"))

    page.get_by_role("link", name=nl("Monitoring agreements")).click()
    page.fill("#id_what", "Welzijn en aanwezigheid")
    page.fill("#id_who", "leerkracht groep 3")
    page.fill("#id_how_often", "wekelijks")
    page.fill("#id_until", _date(90))
    _save(page)
    expect(_badge(page)).to_have_text(nl("monitoring"))

    case = Case.objects.get(pk=case.pk)
    assert case.state == "monitoring"
    assert case.weighing_answers() == {1: "B", 2: "no", 3: "yes", 4: "yes", 5: "yes"}
    plan = HelpPlan.objects.get(case=case)
    assert plan.case_manager == ib
    assert list(plan.tasks.values_list("who", "what")) == [("IB'er", "Aanmelding bij het wijkteam")]
    assert HelpEvaluation.objects.get(case=case).result_reached is True
    assert MonitoringAgreement.objects.get(case=case).who == "leerkracht groep 3"


def test_a_page_with_a_message_passes_axe(page, demo_data, axe):
    """A page showing a message passes axe too. Until main was merged in, templates/base.html put role="status" on
    the message <ul>, which failed aria-allowed-role and listitem."""
    login(page, "af-a")
    _open_case_from_start_page(page, state="step 4: weighing")
    page.get_by_role("link", name=nl("Weigh the suspicion (five questions)")).click()
    _answer(page, "B", "Sterk vermoeden.", board_date=_date(-1))
    expect(page.locator(".messages")).to_be_visible()
    assert_accessible(axe, page)


def test_af_corrects_an_answer_of_the_weighing(page, second_case_in_weighing, axe):
    """A mis-click on question 4 is corrected on the weighing page: the correction form passes axe and fits a phone;
    the earlier answer stays, marked as corrected, and the weighing now leads to a report (issue 17 item 4)."""
    case = second_case_in_weighing
    login(page, "af-a")
    _open_case_from_start_page(page, reference=case.reference)
    page.get_by_role("link", name=nl("Weigh the suspicion (five questions)")).click()
    _answer(page, "B", "Sterk vermoeden.", board_date=_date(-1))
    _answer(page, "no", "Geen acute of structurele onveiligheid.")
    _answer(page, "yes", "Het wijkteam kan hulp bieden.")
    _answer(page, "yes", "Verkeerd aangeklikt.")

    page.get_by_role("link", name=nl("Correct the answer to question %(n)s") % {"n": 4}).click()
    expect(
        page.get_by_role("heading", level=2, name=nl("Correct the answer to question %(n)s") % {"n": 4})
    ).to_be_visible()
    assert_accessible(axe, page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.check("input[name=answer][value=no]")
    page.fill("#id_justification", "De ouders weigeren de hulp.")
    page.fill("#id_correction_reason", "Bij vraag 4 per ongeluk ja aangeklikt.")
    page.get_by_role("button", name=nl("Record the correction")).click()
    expect(page.locator(".messages")).to_contain_text(nl("The correction is recorded; the earlier answer stays."))

    answers = WeighingAnswer.objects.filter(case=case, question=4).order_by("recorded_at")
    assert [a.answer for a in answers] == ["yes", "no"] and answers[1].corrects_id == answers[0].pk
    expect(page.get_by_role("link", name=nl("Report to Veilig Thuis"))).to_be_visible()
    _assert_accessible_without_message(axe, page)
