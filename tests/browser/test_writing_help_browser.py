"""The writing help in Chromium (issue 15 item 5): a teacher types a signal and sees the hints appear under the field
— an interpretation and the full name of another pupil with the initials to write —, the page stays accessible, and
saving is never refused; without JavaScript the same hints come as warnings on the case page after saving."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, Signal
from schools.models import Pupil, School
from schools.names import initials_for
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def school_a() -> School:
    return School.objects.get(brin="99XA")


def pupils() -> tuple[Pupil, Pupil]:
    """A pupil of leerkracht-a1's groep 3 without a case, and a pupil of another group of the same school."""
    own = (
        Pupil.objects.filter(school=school_a(), class_group__name="groep 3", left_on__isnull=True, cases__isnull=True)
        .order_by("pk")
        .first()
    )
    other = Pupil.objects.filter(school=school_a()).exclude(class_group=own.class_group).order_by("pk").first()
    return own, other


# After saving, the quick signal offers the signal list (issue 15); the hints follow there as warnings.
SAVED = re.compile(r"/dossiers/\d+/signaal/\d+/signalenlijst/$")


def fill_signal(page, pupil: Pupil, description: str) -> None:
    """The quick signal's essentials (issue 15): route A and the rest of the optional part stay as they are."""
    page.locator("#id_pupil").select_option(str(pupil.pk))
    page.locator("#id_observed_on").fill((timezone.localdate() - datetime.timedelta(days=1)).isoformat())
    page.locator("#id_place").fill("speelplein")
    page.locator("input[name=kind][value=fact]").check()
    page.locator("#id_description").fill(description)


def submit(page):
    page.locator("main form[method=post] button[type=submit].button-primary").click()


@pytest.fixture
def new_page(browser, live_server):
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


def test_hints_appear_while_typing_and_saving_is_not_refused(new_page, demo_data, axe):
    own, other = pupils()
    other_name = f"{other.first_name} {other.last_name}"
    page = new_page(viewport={"width": 375, "height": 812}, has_touch=True)
    login(page, "leerkracht-a1")
    page.goto(f"/scholen/{school_a().pk}/signaal/nieuw/")
    fill_signal(page, own, "")
    hints = page.locator("#id_description_writing_help li")
    expect(hints).to_have_count(0)

    description = page.locator("#id_description")
    description.click()
    description.press_sequentially(
        f"Ik denk dat hij mishandeld wordt. {other_name} stond erbij. {own.first_name} {own.last_name} huilde."
    )

    expect(hints).to_have_count(3)
    expect(hints.nth(0)).to_have_attribute("data-kind", "assumption")
    expect(hints.nth(1)).to_have_attribute("data-kind", "interpretation")
    expect(hints.nth(1)).to_contain_text("mishandeld")
    expect(hints.nth(2)).to_have_attribute("data-kind", "name")
    expect(hints.nth(2)).to_contain_text(other_name)
    expect(hints.nth(2)).to_contain_text(initials_for(other_name))  # the chosen pupil's own name is not a hint
    # The hints are announced (a live region) and belong to the field.
    region = page.locator("#id_description_writing_help")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(description).to_have_attribute("aria-describedby", re.compile(r"\bid_description_writing_help\b"))
    assert_accessible(axe, page)

    # Rewritten factually, the hints go away.
    description.fill("")
    description.press_sequentially("Blauwe plek van 3 cm op de linker bovenarm.")
    expect(hints).to_have_count(0)

    # Written as it was, it is saved all the same.
    description.fill(f"Ik denk dat hij mishandeld wordt. {other_name} stond erbij.")
    submit(page)
    expect(page).to_have_url(SAVED)
    case = Case.objects.get(pupils=own)
    assert Signal.objects.get(case=case).description.startswith("Ik denk dat hij mishandeld wordt.")
    expect(page.locator(".message-warning").first).to_contain_text("mishandeld")
    assert_accessible(axe, page)


def test_without_javascript_the_hints_come_after_saving(new_page, demo_data):
    own, other = pupils()
    other_name = f"{other.first_name} {other.last_name}"
    page = new_page(java_script_enabled=False)
    login(page, "leerkracht-a1")
    page.goto(f"/scholen/{school_a().pk}/signaal/nieuw/")
    fill_signal(page, own, f"Vader is waarschijnlijk depressief. {other_name} zag het.")
    submit(page)

    expect(page).to_have_url(SAVED)  # saved, not refused
    warning = page.locator(".message-warning")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text("waarschijnlijk")
    expect(warning).to_contain_text("depressief")
    expect(warning).to_contain_text(initials_for(other_name))
    assert Signal.objects.filter(case__pupils=own).count() == 1
