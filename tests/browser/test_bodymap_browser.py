"""The body map of a signal and the picture of the steps, in Chromium: a place on the outline marked by keyboard and
by a click, the same without JavaScript through the rows, the result in the chronology; the step picture on a
375 px wide phone. Each view passes axe-core."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseState, Signal
from schools.models import School
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def consulting_case() -> Case:
    return Case.objects.filter(school=School.objects.order_by("pk").first(), state=CaseState.CONSULTING).first()


def fill_signal(page, description: str):
    # The quick signal's essentials (issue 15); the body map sits among them, the rest is optional.
    page.fill("[name=observed_on]", "2026-11-02")
    page.fill("[name=place]", "gymzaal")
    page.check("input[name=kind][value=fact]")
    page.fill("[name=description]", description)


def test_marking_places_by_keyboard_and_by_click(page, demo_data, axe):
    case = consulting_case()
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/signaal/nieuw/")
    fill_signal(page, "Plekken gezien bij het omkleden.")
    page.get_by_text("Plekken op het lichaam aangeven").click()
    picture = page.locator("[data-bodymap-picture]")
    expect(picture).to_be_visible()
    # With the script, the empty rows are folded away until a place is chosen.
    expect(page.locator("[data-bodymap-row]:visible")).to_have_count(0)
    assert_accessible(axe, page)

    # By keyboard: Tab to the region, Enter.
    page.locator(".bodymap-details > summary").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "linkerbovenarm (voorkant)":
            break
    else:
        pytest.fail("The left upper arm cannot be reached with Tab")
    page.keyboard.press("Enter")
    row1 = page.locator("[data-bodymap-row='0']")
    expect(row1).to_be_visible()
    expect(row1.locator("[data-field=region]")).to_have_value("front.upper_arm_left")
    expect(row1.locator("[data-field=kind]")).to_be_focused()
    expect(page.get_by_role("button", name="linkerbovenarm (voorkant)")).to_have_attribute("aria-pressed", "true")
    row1.locator("[data-field=kind]").select_option("bruise")
    row1.locator("[data-field=size]").fill("ongeveer 3 cm")
    row1.locator("[data-field=colour]").select_option("blue_purple")

    # By a click (a tap on a phone).
    page.get_by_role("button", name="billen (achterkant)").click()
    row2 = page.locator("[data-bodymap-row='1']")
    expect(row2.locator("[data-field=region]")).to_have_value("back.buttocks")
    row2.locator("[data-field=kind]").select_option("burn")
    row2.locator("[data-field=note]").fill("rond")
    expect(page.locator(".bodymap-svg-interactive .bodymap-pin")).to_have_count(2)
    expect(page.locator("[data-bodymap-status]")).to_have_text("Plek 2: billen (achterkant)")
    assert_accessible(axe, page)

    # Removing a place clears its row.
    row2.get_by_role("button", name="Plek 2 weghalen").click()
    expect(row2).to_be_hidden()
    expect(page.locator(".bodymap-svg-interactive .bodymap-pin")).to_have_count(1)
    page.get_by_role("button", name="billen (achterkant)").click()
    page.locator("[data-bodymap-row='1'] [data-field=kind]").select_option("burn")

    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.wait_for_url(f"**/dossiers/{case.pk}/**")
    signal = Signal.objects.get(case=case, description="Plekken gezien bij het omkleden.")
    assert signal.body_marks == [
        {
            "region": "front.upper_arm_left",
            "kind": "bruise",
            "size": "ongeveer 3 cm",
            "colour": "blue_purple",
            "note": "",
        },
        {"region": "back.buttocks", "kind": "burn", "size": "", "colour": "", "note": ""},
    ]
    page.goto(f"/dossiers/{case.pk}/?pagina=alle")
    shown = page.locator(".bodymap-shown").last
    expect(shown.locator("li")).to_have_text(
        ["Linkerbovenarm (voorkant): blauwe plek, ongeveer 3 cm, blauw of paars", "Billen (achterkant): brandwond"]
    )
    assert_accessible(axe, page)


def test_the_rows_work_without_javascript(browser, live_server, demo_data, axe):
    context = browser.new_context(base_url=live_server.url, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    try:
        case = consulting_case()
        login(page, "ib-a")
        page.goto(f"/dossiers/{case.pk}/signaal/nieuw/")
        fill_signal(page, "Zonder script vastgelegd.")
        page.get_by_text("Plekken op het lichaam aangeven").click()
        expect(page.locator("[data-bodymap-picture]")).to_be_hidden()
        expect(page.locator("[data-bodymap-row]:visible")).to_have_count(6)
        page.get_by_label("waar op het lichaam").first.select_option("front.head")
        # A mark without what was seen: refused in Dutch, the input kept.
        page.get_by_role("button", name="Opslaan", exact=True).click()
        expect(page.get_by_text("Plek 1: kies wat er te zien was.")).to_be_visible()
        expect(page.get_by_label("waar op het lichaam").first).to_have_value("front.head")
        page.get_by_label("wat je zag").first.select_option("scratch")
        page.get_by_role("button", name="Opslaan", exact=True).click()
        page.wait_for_url(f"**/dossiers/{case.pk}/**")
        signal = Signal.objects.get(case=case, description="Zonder script vastgelegd.")
        assert signal.body_marks == [{"region": "front.head", "kind": "scratch", "size": "", "colour": "", "note": ""}]
    finally:
        context.close()


def test_the_step_picture_on_a_phone(browser, live_server, demo_data, axe):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 375, "height": 812}, has_touch=True
    )
    page = context.new_page()
    try:
        case = consulting_case()
        login(page, "ib-a")
        page.goto(f"/dossiers/{case.pk}/")
        steps = page.locator("section.steps")
        expect(steps).to_be_visible()
        expect(steps.locator("li[aria-current=step]")).to_contain_text("Stap 2")
        box = steps.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        assert steps.evaluate("el => el.scrollWidth <= el.clientWidth")
        # One under the other on a phone: every station within the screen's width.
        tops = [b["y"] for b in (li.bounding_box() for li in steps.locator("li.station").all())]
        assert tops == sorted(tops) and len(set(tops)) == len(tops)
        for li in steps.locator("li.station").all():
            b = li.bounding_box()
            assert b["x"] + b["width"] <= 375
        assert_accessible(axe, page)
        # The compact marks in the list.
        page.goto("/dossiers/")
        expect(page.locator(".steps-compact").first).to_be_visible()
    finally:
        context.close()
