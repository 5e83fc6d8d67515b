"""The quick signal on a phone (issue 15): at 375×812 with touch, a teacher logs a signal from the start page in at
most three screens — the start page, the form, and the page after saving that offers the details from the signal
list. The pages pass axe-core; sending the form again (back, then save once more) records nothing twice."""

import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from cases.models import Case, Signal
from schools.models import Pupil, School
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 812}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
WORDS = "Papa slaat mij als ik te laat thuis ben."


def nl(text: str) -> str:
    """A msgid as the server renders it in Dutch."""
    with translation.override("nl"):
        return translation.gettext(text)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def school_a() -> School:
    return School.objects.get(brin="99XA")


def pupil_without_case() -> Pupil:
    pupil = (
        Pupil.objects.filter(school=school_a(), class_group__name="groep 3", left_on__isnull=True, cases__isnull=True)
        .order_by("pk")
        .first()
    )
    assert pupil is not None
    return pupil


class Screens:
    """The documents the main frame shows, counted from the start page on (a redirect after a POST is one)."""

    def __init__(self, page):
        self.urls: list[str] = []
        page.on("framenavigated", lambda frame: frame == page.main_frame and self.urls.append(frame.url))

    def start(self):
        self.urls.clear()


def test_a_teacher_logs_a_signal_on_a_phone_in_at_most_three_screens(phone, demo_data, axe):
    page = phone
    school, pupil = school_a(), pupil_without_case()
    login(page, "leerkracht-a1")
    expect(page).to_have_url(re.compile(rf"/start/{school.pk}/teacher/$"))
    screens = Screens(page)
    screens.start()
    page.reload()  # screen 1: the teacher's start page
    assert_accessible(axe, page)

    # The entry is prominent: in the first screen, without scrolling.
    entry = page.get_by_role("link", name=nl("Record a signal")).first
    expect(entry).to_be_in_viewport()
    box = entry.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    entry.tap()  # screen 2: the quick signal
    expect(page).to_have_url(re.compile(rf"/scholen/{school.pk}/signaal/nieuw/$"))
    expect(page.locator("#id_observed_on")).to_have_value(timezone.localdate().isoformat())  # today
    expect(page.locator("input[name=items]")).to_have_count(0)  # the signal list comes after saving
    assert_accessible(axe, page)

    page.locator("#pupil-filter-input").fill(f"{pupil.first_name} {pupil.last_name}")  # filters; one found: chosen
    expect(page.locator("#id_pupil")).to_have_value(str(pupil.pk))
    page.locator("label[for=id_kind_1]").tap()  # what the child said, word for word
    page.locator("#id_description").fill(f'"{WORDS}"')
    page.locator("#id_place").fill("klaslokaal")
    page.locator("main form.signal-form button[type=submit]").tap()

    # Screen 3: saved, and the details from the signal list offered.
    expect(page).to_have_url(re.compile(r"/dossiers/\d+/signaal/\d+/signalenlijst/$"))
    signal = Signal.objects.get(case__pupils=pupil)
    assert (signal.kind, signal.source, signal.description) == ("child_words", "child", WORDS)
    assert signal.observed_on == timezone.localdate()
    assert len(screens.urls) <= 3, screens.urls
    expect(page.locator(".messages")).to_contain_text(signal.case.reference)
    assert_accessible(axe, page)
    # The signal list: per category, collapsed, searchable.
    expect(page.locator("details.signal-group[open]")).to_have_count(0)
    page.locator("#signal-list-filter-input").fill("blauwe plek")
    expect(page.locator("details.signal-group[open]")).to_have_count(1)
    expect(page.locator("input[name=items][value='physical.bruises']")).to_be_visible()
    assert_accessible(axe, page)

    # The child's words on the case page: once between quotation marks.
    page.get_by_role("link", name=nl("Done: to the case")).tap()
    words = page.locator("ol.timeline .child-words")
    expect(words).to_have_text(f"“{WORDS}”")


def test_back_and_save_again_records_the_signal_once(phone, demo_data):
    page = phone
    school, pupil = school_a(), pupil_without_case()
    login(page, "leerkracht-a1")
    page.goto(f"/scholen/{school.pk}/signaal/nieuw/?leerling={pupil.pk}")
    page.locator("label[for=id_kind_0]").tap()
    page.locator("#id_description").fill("Blauwe plek van 4 cm op de linkeronderarm.")
    page.locator("#id_place").fill("gymzaal")
    page.locator("main form.signal-form button[type=submit]").tap()
    expect(page).to_have_url(re.compile(r"/signalenlijst/$"))
    assert Signal.objects.filter(case__pupils=pupil).count() == 1

    page.go_back()
    expect(page).to_have_url(re.compile(r"/signaal/nieuw/"))
    if page.locator("#id_description").input_value():  # the browser restored what was typed: send it again
        page.locator("main form.signal-form button[type=submit]").tap()
        expect(page.locator(".messages")).to_contain_text(
            nl("This was already saved: it has not been recorded a second time.")
        )
    assert Signal.objects.filter(case__pupils=pupil).count() == 1
    assert Case.objects.filter(pupils=pupil).count() == 1


def test_the_quick_signal_works_without_javascript(browser, live_server, demo_data):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        school, pupil = school_a(), pupil_without_case()
        login(page, "leerkracht-a1")
        page.goto(f"/scholen/{school.pk}/signaal/nieuw/")
        search = page.locator("form[role=search] input[name=zoek]")
        if search.count():  # many pupils: the search without JavaScript
            search.fill(pupil.last_name)
            page.locator("form[role=search] button").tap()
        page.locator("#id_pupil").select_option(str(pupil.pk))
        page.locator("label[for=id_kind_2]").tap()  # a story: the source is asked for
        page.locator("#id_description").fill("De buurvrouw vertelde dat er vaak geschreeuw is.")
        page.locator("#id_place").fill("schoolplein")
        page.locator("main form.signal-form button[type=submit]").tap()
        expect(page.locator("#id_source")).to_have_attribute("aria-invalid", "true")  # refused: from whom?
        expect(page.locator("#id_description")).to_have_value("De buurvrouw vertelde dat er vaak geschreeuw is.")
        page.locator("#id_source").select_option("parent")
        page.locator("main form.signal-form button[type=submit]").tap()
        expect(page).to_have_url(re.compile(r"/signalenlijst/$"))
        page.locator("form[role=search] input[name=zoek]").fill("blauwe plek")
        page.locator("form[role=search] button").tap()
        expect(page.locator("details.signal-group[open]")).to_have_count(1)
        page.locator("input[name=items][value='physical.bruises']").check()
        page.locator("main form.signal-form button[type=submit]").tap()
        expect(page).to_have_url(re.compile(r"/dossiers/\d+/$"))
        signal = Signal.objects.get(case__pupils=pupil)
        assert (signal.kind, signal.source) == ("story", "parent")
        assert signal.additions.get().items == ["physical.bruises"]
    finally:
        context.close()
