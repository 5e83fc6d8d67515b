"""Steps 1–3 of the meldcode in Chromium against the live server with the demo data: the teacher records a signal
and hands the case over, the IB'er consults, talks with the parents and hands the case over for weighing, and an
IB'er of another school cannot see the case. The pages on the way pass axe-core; the signal form works without
JavaScript.

Fields are found by their ids and names, buttons by the address their form posts to: the Dutch labels are still
being written. Texts that the test compares are taken from the compiled Dutch catalogue (``nl()``), as the server
renders them.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from accounts.models import User
from cases import forms
from cases.models import (
    Case,
    CaseState,
    Consultation,
    ConsultationAction,
    ParentConversation,
    ParentView,
    Signal,
    SignalKind,
)
from schools.models import Pupil, School
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

BAD_INITIALS = "Jan Jansen"
DESCRIPTION = "Blauwe plek van ongeveer 4 cm op de linkeronderarm, aan de binnenkant."


def nl(text) -> str:
    """A (lazy) text as the server renders it in Dutch."""
    with translation.override("nl"):
        return str(text)


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def school_a() -> School:
    return School.objects.get(brin="99XA")


def pupil_without_case() -> Pupil:
    """A pupil of leerkracht-a1's groep 3 at school A about whom no case is open yet (a new signal opens one)."""
    pupil = (
        Pupil.objects.filter(school=school_a(), class_group__name="groep 3", left_on__isnull=True, cases__isnull=True)
        .order_by("pk")
        .first()
    )
    assert pupil is not None, "the demo data has no pupil in groep 3 without a case"
    return pupil


def submit(page):
    """Press the form's main button (Save / Record signal), not logging out or changing the language."""
    page.locator("main form[method=post] button[type=submit].button-primary").click()


def case_id_from_url(page) -> int:
    match = re.search(r"/dossiers/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def expect_state(page, state: CaseState, step: int):
    badge = page.locator(".page-header .badge-state")
    expect(badge).to_have_text(nl(state.label))
    expect(badge).to_have_text(re.compile(rf"^stap {step}\b"))


def fire_transition(page, name: str):
    page.locator(f"main form[action$='/stap/{name}/'] button[type=submit]").click()


def record_link(page, path: str):
    """A link under "Record" on the case page, by the end of its address (e.g. ``consultatie/nieuw/``)."""
    return page.locator(f"main a[href$='/{path}']").first


# --- Step 1: the teacher ------------------------------------------------------------------------------------------


def open_new_signal_form(page) -> None:
    """From the teacher's start page, one click to the new-signal form."""
    school = school_a()
    login(page, "leerkracht-a1")
    expect(page).to_have_url(re.compile(rf"/start/{school.pk}/teacher/$"))
    page.locator(f"main a[href='/scholen/{school.pk}/signaal/nieuw/']").first.click()
    expect(page).to_have_url(re.compile(rf"/scholen/{school.pk}/signaal/nieuw/$"))


def fill_signal_form(page, pupil: Pupil, others_present: str = "A.B., C.d.V.") -> None:
    """The quick signal's essentials, and the optional part "more" (opened)."""
    page.locator("#id_pupil").select_option(str(pupil.pk))
    page.locator("input[name=kind][value=fact]").check()
    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("#id_observed_on").fill(yesterday())
    page.locator("#id_place").fill("speelplein")
    more = page.locator("details.signal-more")
    if more.get_attribute("open") is None:
        more.locator("summary").click()
    page.locator("#id_situation").fill("Kleine pauze, spel met een bal.")
    page.locator("#id_others_present").fill(others_present)
    page.locator("input[name=frequency][value=once]").check()


def submit_bad_then_good_signal(page, pupil: Pupil) -> None:
    """Submit once with a full name among the others present (refused), then with initials; then add a detail from
    the signal list (the quick signal's second part, offered after saving) and arrive on the case page."""
    cases_before = Case.objects.count()
    fill_signal_form(page, pupil, others_present=BAD_INITIALS)
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".field-error:has(#id_others_present) .errorlist")).to_be_visible()
    expect(page.locator("#id_others_present")).to_have_attribute("aria-invalid", "true")
    # Nothing typed is lost.
    expect(page.locator("#id_description")).to_have_value(DESCRIPTION)
    expect(page.locator("#id_others_present")).to_have_value(BAD_INITIALS)
    expect(page.locator("#id_pupil")).to_have_value(str(pupil.pk))
    expect(page.locator("input[name=kind][value=fact]")).to_be_checked()
    assert Case.objects.count() == cases_before

    page.locator("#id_others_present").fill("A.B., C.d.V.")
    submit(page)
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/signaal/\d+/signalenlijst/$"))
    expect(page.locator(".messages")).to_contain_text(re.compile(r"\d{4}-\d{3}"))  # the case's reference
    page.locator("details.signal-group:has(input[value='physical.bruises']) > summary").click()
    page.locator("input[name=items][value='physical.bruises']").check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/$"))


# --- Steps 2 and 3: the IB'er -------------------------------------------------------------------------------------


def record_consultation(page) -> None:
    record_link(page, "consultatie/nieuw/").click()
    expect(page.locator("#id_kind")).to_be_visible()
    page.locator("#id_kind").select_option("colleague")
    page.locator("#id_held_on").fill(yesterday())
    page.locator("#id_participants").fill("IB'er, leerkracht groep 3")
    page.locator("#id_question").fill("Passen de plekken bij spel?")
    page.locator("#id_advice").fill("Gesprek met de ouders plannen.")
    page.check("input[name=sharing][value=internal]")
    page.locator("#id_acties-0-who").fill("IB'er")
    page.locator("#id_acties-0-what").fill("Ouders uitnodigen voor een gesprek")
    page.locator("#id_acties-0-due_on").fill((timezone.localdate() + datetime.timedelta(days=7)).isoformat())
    submit(page)
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/$"))


def record_conversation(page, signal: Signal) -> None:
    record_link(page, "oudergesprek/nieuw/").click()
    expect(page.locator("#id_held_on")).to_be_visible()
    page.locator("#id_held_on").fill(yesterday())
    page.locator("#id_attendees").fill("moeder, IB'er, leerkracht groep 3")
    page.locator("#id_purpose_explained").check()
    page.locator(f"input[name=signals_discussed][value='{signal.pk}']").check()
    page.locator("input[name=recognition][value=partly]").check()
    page.locator("#id_reaction").fill("Moeder schrok en vertelde over een val van de fiets.")
    page.locator("#id_report").fill("Verslag: de plek is feitelijk besproken; moeder herkent het gedeeltelijk.")
    submit(page)
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/$"))


def record_parent_view(page, conversation: ParentConversation) -> None:
    record_link(page, "zienswijze/nieuw/").click()
    expect(page.locator("#id_text")).to_be_visible()
    page.locator("#id_conversation").select_option(str(conversation.pk))
    page.locator("#id_given_by").fill("moeder")
    page.locator("#id_given_on").fill(yesterday())
    page.locator("#id_text").fill("Hij is van zijn fiets gevallen; verder gaat het goed thuis.")
    submit(page)
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/$"))


def open_case_from_start_page(page, case: Case) -> None:
    page.locator("main table").get_by_role("link", name=case.reference, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{case.pk}/$"))


# --- The journey --------------------------------------------------------------------------------------------------


@pytest.fixture
def new_page(browser, live_server):
    """A page in a fresh browser context (its own cookies: one person), closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def test_steps_1_to_3_teacher_ib_and_another_school(new_page, demo_data):
    pupil = pupil_without_case()

    # (a) The teacher: start page → new signal (one click), a refused and an accepted submission, hand over.
    page = new_page()
    open_new_signal_form(page)
    assert page.evaluate("typeof window.htmx") == "object"  # scripts run here (compare the test without them)
    submit_bad_then_good_signal(page, pupil)
    case = Case.objects.get(pk=case_id_from_url(page))
    assert list(case.pupils.all()) == [pupil]
    signal = Signal.objects.get(case=case)
    assert (signal.kind, signal.others_present) == ("fact", "A.B., C.d.V.")
    assert signal.additions.get().items == ["physical.bruises"]  # the signal list, added beside the signal
    expect_state(page, CaseState.SIGNALLING, 1)
    chronology = page.locator("ol.timeline")
    expect(chronology.locator(".badge-fact")).to_have_text(capfirst(nl(SignalKind.FACT.label)))
    expect(chronology).to_contain_text(DESCRIPTION)
    fire_transition(page, "to_consulting")
    expect_state(page, CaseState.CONSULTING, 2)
    expect(page.locator("main form[action*='/stap/']")).to_have_count(0)  # the next step is not the teacher's

    # (b) The IB'er of school A: consultation, step 3, conversation with the parents, their view, weighing.
    page = new_page()
    login(page, "ib-a")
    open_case_from_start_page(page, case)
    expect_state(page, CaseState.CONSULTING, 2)

    record_consultation(page)
    consultation = Consultation.objects.get(case=case)
    assert consultation.author.username == "ib-a"
    assert list(ConsultationAction.objects.filter(consultation=consultation).values_list("who", "what")) == [
        ("IB'er", "Ouders uitnodigen voor een gesprek")
    ]
    expect(page.locator("ol.timeline")).to_contain_text("Passen de plekken bij spel?")
    expect(page.locator("ol.timeline")).to_contain_text("Ouders uitnodigen voor een gesprek")

    fire_transition(page, "to_parent_talk")
    expect_state(page, CaseState.PARENT_TALK, 3)

    record_conversation(page, signal)
    conversation = ParentConversation.objects.get(case=case)
    assert conversation.purpose_explained
    assert conversation.recognition == "partly"
    assert list(conversation.signals_discussed.all()) == [signal]

    record_parent_view(page, conversation)
    view = ParentView.objects.get(case=case)
    assert view.conversation == conversation

    fire_transition(page, "to_weighing")
    expect_state(page, CaseState.WEIGHING, 4)
    case = Case.objects.get(pk=case.pk)  # a protected state field cannot be refreshed in place
    assert case.state == CaseState.WEIGHING
    assert case.owner == User.objects.get(username="af-a")

    # The chronology shows every entry, oldest first.
    items = page.locator("ol.timeline > li")
    expect(items).to_have_count(8)  # signal, opened, to 2, consultation, to 3, conversation, view, to 4
    texts = items.all_inner_texts()
    assert DESCRIPTION in texts[0]
    for needle in [
        "Passen de plekken bij spel?",
        "Ouders uitnodigen voor een gesprek",
        "Moeder schrok en vertelde over een val van de fiets.",
        "Verslag: de plek is feitelijk besproken",
        "Hij is van zijn fiets gevallen",
    ]:
        assert sum(needle in text for text in texts) == 1, needle
    order = [
        next(i for i, text in enumerate(texts) if needle in text)
        for needle in [DESCRIPTION, "Passen de", "Moeder schrok", "Hij is van"]
    ]
    assert order == sorted(order)

    # (c) The IB'er of school B does not see the case: 404, and it is not in their list.
    page = new_page()
    login(page, "ib-b")
    response = page.goto(f"/dossiers/{case.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(case.reference)
    response = page.goto("/dossiers/")
    assert response.status == 200
    expect(page.locator("main table")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(case.reference)
    expect(page.locator(f"main a[href='/dossiers/{case.pk}/']")).to_have_count(0)


def test_signal_is_recorded_without_javascript(new_page, demo_data):
    pupil = pupil_without_case()
    page = new_page(java_script_enabled=False)
    open_new_signal_form(page)
    assert page.evaluate("typeof window.htmx") == "undefined"  # the page's scripts really do not run
    submit_bad_then_good_signal(page, pupil)
    case = Case.objects.get(pk=case_id_from_url(page))
    assert list(case.pupils.all()) == [pupil]
    expect_state(page, CaseState.SIGNALLING, 1)
    expect(page.locator("ol.timeline")).to_contain_text(DESCRIPTION)
    fire_transition(page, "to_consulting")
    expect_state(page, CaseState.CONSULTING, 2)


# --- Accessibility ------------------------------------------------------------------------------------------------


def test_new_signal_form_is_accessible_empty_and_with_errors(page, demo_data, axe):
    open_new_signal_form(page)
    assert_accessible(axe, page)
    fill_signal_form(page, pupil_without_case(), others_present=BAD_INITIALS)
    submit(page)
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(axe, page)


def walk_to_step_3(page) -> Case:
    """Through the browser: the teacher records a signal and hands over; the IB'er records a consultation, moves
    to step 3, records a conversation and the parents' view. Leaves the IB'er on the case page."""
    open_new_signal_form(page)
    submit_bad_then_good_signal(page, pupil_without_case())
    case = Case.objects.get(pk=case_id_from_url(page))
    fire_transition(page, "to_consulting")
    page.context.clear_cookies()
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/")
    record_consultation(page)
    fire_transition(page, "to_parent_talk")
    record_conversation(page, Signal.objects.get(case=case))
    record_parent_view(page, ParentConversation.objects.get(case=case))
    expect_state(page, CaseState.PARENT_TALK, 3)
    return case


def test_case_page_is_accessible(page, demo_data, axe):
    """The case page as the teacher sees it in step 1, and as the IB'er sees it in step 3 with every kind of entry
    of steps 1–3 and the "Next step" section. Loaded afresh, without a "saved" message (see the next test)."""
    open_new_signal_form(page)
    submit_bad_then_good_signal(page, pupil_without_case())
    page.reload()
    expect(page.locator(".messages")).to_have_count(0)
    assert_accessible(axe, page)
    page.context.clear_cookies()

    case = walk_to_step_3(page)
    page.goto(f"/dossiers/{case.pk}/")
    expect(page.locator(".messages")).to_have_count(0)
    expect(page.locator("ol.timeline article.entry")).to_have_count(4)  # signal, consultation, conversation, view
    expect(page.locator("ol.timeline > li")).to_have_count(7)  # and the step changes: opened, to 2, to 3
    expect(page.locator("ol.timeline table")).to_have_count(1)  # the consultation's follow-up actions
    assert_accessible(axe, page)


def test_case_page_with_the_saved_message_is_accessible(page, demo_data, axe):
    open_new_signal_form(page)
    submit_bad_then_good_signal(page, pupil_without_case())
    expect(page.locator(".messages li")).to_have_count(1)
    assert_accessible(axe, page)


def test_consultation_form_is_accessible(page, demo_data, axe):
    case = Case.objects.filter(school=school_a(), state=CaseState.CONSULTING).first()
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/")
    record_link(page, "consultatie/nieuw/").click()
    expect(page.locator("#id_acties-0-who")).to_be_visible()
    assert_accessible(axe, page)
    submit(page)  # empty: errors
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(axe, page)


def test_conversation_form_is_accessible(page, demo_data, axe):
    case = Case.objects.filter(school=school_a(), state=CaseState.PARENT_TALK).first()
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/")
    record_link(page, "oudergesprek/nieuw/").click()
    expect(page.locator("input[name=signals_discussed]").first).to_be_visible()
    assert_accessible(axe, page)
    submit(page)  # empty: errors
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(axe, page)


def test_case_list_is_accessible(page, demo_data, axe):
    login(page, "ib-a")
    page.locator("header a[href='/dossiers/']:visible").click()
    expect(page).to_have_url(re.compile(r"/dossiers/$"))
    expect(page.locator("main table tbody tr")).to_have_count(Case.objects.filter(school=school_a()).count())
    assert_accessible(axe, page)


# --- Accessibility problems that axe does not report --------------------------------------------------------------


def test_field_errors_are_announced_with_their_field(page, demo_data):
    open_new_signal_form(page)
    fill_signal_form(page, pupil_without_case(), others_present=BAD_INITIALS)
    submit(page)
    field = page.locator("#id_others_present")
    expect(field).to_have_attribute("aria-invalid", "true")
    described_by = (field.get_attribute("aria-describedby") or "").split()
    missing = [ref for ref in described_by if page.locator(f"[id='{ref}']").count() == 0]
    assert missing == []
    assert any(page.locator(f"[id='{ref}'].errorlist").count() == 1 for ref in described_by)


def test_radio_groups_are_named_by_their_question(page, demo_data):
    open_new_signal_form(page)
    question = nl(forms.SignalForm().fields["kind"].label)
    assert page.get_by_role("group", name=question, exact=True).count() == 1


def test_signal_kind_offers_only_the_three_kinds(page, demo_data):
    open_new_signal_form(page)
    values = [radio.get_attribute("value") for radio in page.locator("input[name=kind]").all()]
    assert values == ["fact", "child_words", "story"]
    expect(page.locator("input[name=kind]:checked")).to_have_count(0)
