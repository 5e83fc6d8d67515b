"""Route B in Chromium against the live server with the demo data (issue 17, item 1; domain.md §9.3): a teacher
records that a colleague is suspected, for a pupil who already has an open case → a route B case is opened beside
it and linked; the teacher who reported it and the colleague named get 404; the aandachtsfunctionaris sees the case
with its deadline, records that the board was informed and the consultation of the confidential inspector, and the
next deadline is shown. Every page on the way passes axe-core.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts.models import User
from cases import deadlines
from cases.models import Case, CaseState, Route, Signal, SuspectedStaff
from schools.models import Pupil, School
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

DESCRIPTION = "Leerling vertelt dat een meester haar na de gymles in het materiaalhok vasthield."


def nl(text) -> str:
    """A text (lazy or a msgid) as the server renders it in Dutch."""
    with translation.override("nl"):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def logout(page):
    page.context.clear_cookies()


def submit(page):
    page.locator("main form[method=post] button[type=submit].button-primary").click()


def pupil_with_an_open_case() -> tuple[Pupil, Case]:
    """A pupil of leerkracht-a1's groep 3 at school A with an open case of route A."""
    school = School.objects.get(brin="99XA")
    case = (
        Case.objects.filter(school=school, route=Route.A, pupils__class_group__name="groep 3")
        .exclude(state=CaseState.CLOSED)
        .order_by("pk")
        .first()
    )
    assert case is not None, "the demo data has no open case in groep 3"
    return case.pupils.get(), case


def test_a_staff_suspicion_opens_a_route_b_case_only_its_holders_see(page, demo_data, axe):
    pupil, case_a = pupil_with_an_open_case()
    signals_before = Signal.objects.filter(case=case_a).count()
    colleague = User.objects.get(username="leerkracht-a2")

    # The class teacher records the signal, names the colleague and chooses B.
    login(page, "leerkracht-a1")
    page.goto(f"/scholen/{pupil.school_id}/signaal/nieuw/")
    page.locator("#id_pupil").select_option(str(pupil.pk))
    page.locator("details.signal-more > summary").click()  # the route sits in the optional part (issue 15)
    page.locator("input[name=route][value=B]").check()
    page.locator("#id_suspected_staff").select_option(str(colleague.pk))
    page.locator("#id_observed_on").fill(yesterday())
    page.locator("#id_place").fill("gymzaal")
    page.locator("#id_situation").fill("na de gymles")
    page.locator("input[name=kind][value=child_words]").check()
    page.locator("#id_description").fill(DESCRIPTION)
    page.locator("input[name=frequency][value=once]").check()
    assert_accessible(axe, page)
    submit(page)
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(
        nl(
            "The signal was recorded in a staff case (route B). The aandachtsfunctionaris and the board have been "
            "told; the case is theirs, so you will not see it."
        )
    )
    assert_accessible(axe, page)

    staff_case = Case.objects.get(route=Route.B, pupils=pupil, state=CaseState.DUTY_TO_INFORM)
    assert staff_case.linked_case_id == case_a.pk
    assert Signal.objects.filter(case=case_a).count() == signals_before  # not added silently to the other case
    assert SuspectedStaff.objects.get(case=staff_case).staff_member == colleague

    # The teacher who reported it does not see the case; nor does the colleague named.
    response = page.goto(f"/dossiers/{staff_case.pk}/")
    assert response.status == 404
    logout(page)
    login(page, "leerkracht-a2")
    response = page.goto(f"/dossiers/{staff_case.pk}/")
    assert response.status == 404
    logout(page)

    # The aandachtsfunctionaris sees it, linked to the pupil's case, with the deadline to inform the board.
    login(page, "af-a")
    page.goto(f"/dossiers/{staff_case.pk}/")
    header = page.locator(".page-header")
    expect(header).to_contain_text(case_a.reference)
    expect(page.locator("main")).to_contain_text(nl(deadlines.LABELS[deadlines.INFORM_BOARD]))
    expect(page.locator("main")).to_contain_text(colleague.get_full_name() or colleague.username)
    assert_accessible(axe, page)

    # The board is informed.
    page.goto(f"/dossiers/{staff_case.pk}/bevoegd-gezag/nieuw/")
    page.locator("#id_informed_on").fill(timezone.localdate().isoformat())
    page.locator("#id_informed_whom").fill("voorzitter college van bestuur")
    page.locator("#id_how").fill("telefonisch")
    assert_accessible(axe, page)
    submit(page)
    page.wait_for_url(re.compile(rf"/dossiers/{staff_case.pk}/$"))
    expect(page.locator("main")).to_contain_text(nl(deadlines.LABELS[deadlines.CONSULT_INSPECTOR]))

    # The confidential inspector is consulted: the case moves on, and the police decision is due.
    page.goto(f"/dossiers/{staff_case.pk}/besluit/inspector/")
    page.locator("#id_consulted_on").fill(timezone.localdate().isoformat())
    page.locator("#id_inspector").fill("vertrouwensinspecteur")
    page.locator("#id_advice").fill("Aangifte doen; ouders en betrokkene vooraf informeren.")
    page.locator("#id_reasonable_suspicion").check()
    assert_accessible(axe, page)
    submit(page)
    page.wait_for_url(re.compile(rf"/dossiers/{staff_case.pk}/$"))
    expect(page.locator(".page-header .badge-state")).to_have_text(nl(CaseState.INSPECTOR_CONSULTED.label))
    expect(page.locator("main")).to_contain_text(nl(deadlines.LABELS[deadlines.POLICE_DECISION]))
    assert_accessible(axe, page)
    assert Case.objects.get(pk=staff_case.pk).state == CaseState.INSPECTOR_CONSULTED
