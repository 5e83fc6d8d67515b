"""The conversation with the child (issue 17, domain.md §9.1) in Chromium: the IB'er opens it from the case page in
step 2, a summary instead of the child's words is refused with the reason and the input kept, the child's words
verbatim are recorded and read back in the chronology; the form fits at 375 px and every view passes axe-core.

Words on the page are looked up through the Dutch catalogue (``nl``), so the test reads what a Dutch user reads."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseState, ChildConversation
from schools.models import School
from tests.browser.conftest import assert_accessible, login
from tests.cases.test_guards import nl

pytestmark = pytest.mark.browser

WORDS = "“Papa riep heel hard en toen ben ik onder de tafel gaan zitten.”"


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_ib_records_a_conversation_with_the_child(page, demo_data, axe):
    case = Case.objects.filter(
        school=School.objects.order_by("pk").first(), state=CaseState.CONSULTING, route="A"
    ).first()
    login(page, "ib-a")
    page.goto(f"/dossiers/{case.pk}/")
    page.get_by_role("link", name=nl("Record a conversation with the child")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nl("Record a conversation with the child"))
    assert_accessible(axe, page)

    page.locator("[name=held_on]").fill("2026-11-20")
    page.locator("[name=pupil]").first.check()
    page.locator("[name=talked_by]").fill("IB'er, met de leerkracht erbij")
    page.locator("[name=child_words]").fill("Het kind vertelde dat vader boos was.")
    page.locator("[name=child_told]").fill("Dat de IB'er met de directeur overlegt en niets geheim houdt.")
    page.get_by_role("button", name=nl("Save")).click()

    # Refused: the words are a summary, not the child's own words. The reason is shown and the input kept.
    expect(
        page.get_by_text(
            nl("Write the child's words verbatim between quotation marks (“…”): the child's own words, not a summary.")
        )
    ).to_be_visible()
    expect(page.locator("[name=child_words]")).to_have_value("Het kind vertelde dat vader boos was.")
    expect(page.locator("[name=talked_by]")).to_have_value("IB'er, met de leerkracht erbij")
    assert not ChildConversation.objects.filter(case=case).exists()
    assert_accessible(axe, page)

    page.set_viewport_size({"width": 375, "height": 812})
    assert fits(page), "the form scrolls sideways at 375 px"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("[name=child_words]").fill(WORDS)
    page.get_by_role("button", name=nl("Save")).click()
    page.wait_for_url(f"**/dossiers/{case.pk}/")
    expect(page.locator("ol.timeline").get_by_text(WORDS)).to_be_visible()
    assert ChildConversation.objects.get(case=case).child_words == WORDS
    assert_accessible(axe, page)


def test_the_teacher_reads_only_that_the_conversation_was_held(page, demo_data, axe):
    case = Case.objects.filter(
        school=School.objects.order_by("pk").first(), state=CaseState.CONSULTING, route="A"
    ).first()
    from accounts.models import User

    ib = User.objects.get(username="ib-a")
    ChildConversation.objects.create(
        case=case,
        author=ib,
        held_on=case.opened_at.date(),
        pupil=case.pupils.first(),
        talked_by="IB'er",
        child_words=WORDS,
        child_told="Dat de IB'er met de directeur overlegt.",
    )
    teacher = next(t for t in User.objects.filter(username__startswith="leerkracht-a") if _sees(t, case))
    login(page, teacher.username)
    page.goto(f"/dossiers/{case.pk}/")
    expect(page.get_by_text(nl("A conversation with the child was held."))).to_be_visible()
    expect(page.get_by_text(WORDS)).to_have_count(0)
    assert_accessible(axe, page)


def _sees(user, case) -> bool:
    from cases import permissions as perms

    return perms.case_queryset_for_user(user).filter(pk=case.pk).exists()
