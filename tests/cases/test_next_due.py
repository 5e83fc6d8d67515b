"""The stored next due date of a case (``Case.next_due``; issue 16): the lists sort and page by it in the database,
so it must always be the soonest of the deadlines ``cases.deadlines`` computes — after every record and step
change, after a parents' request and its answer, after a change of the school's holiday region or of a setting
(``manage.py refresh_due_dates``, the hourly reminders) — and a background refresh must never overwrite what a
service has just stored."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import deadlines, notify
from cases.models import AccessRequest, AccessRequestHandled, Case
from dossier import services as dossier_services
from tests import factories
from tests.cases import test_decision as steps
from tests.cases.test_deadlines import travel
from tests.cases.test_deadlines_urgency import in_weighing


def stored(case) -> datetime.date | None:
    return Case.objects.get(pk=case.pk).next_due


def computed(case) -> datetime.date | None:
    fresh = Case.objects.select_related("school", "owner").get(pk=case.pk)
    deadlines.attach([fresh])
    return fresh.deadlines[0].due if fresh.deadlines else None


def test_every_step_of_a_case_stores_its_soonest_deadline(cast_a):
    with travel("2026-06-01", 9):  # a Monday
        pupil = factories.PupilFactory(class_group=cast_a.group1)
        case = factories.open_case(cast_a.teacher, pupil, observed_on=timezone.localdate())
        assert stored(case) == computed(case) is not None  # step 1: the stand-still rule
        factories.advance(cast_a.teacher, case, "to_consulting")
    with travel("2026-06-03", 9):
        factories.add_consultation(cast_a.ib, case, held_on=timezone.localdate())  # a record moves the stand-still date
        assert stored(case) == computed(case)
        factories.advance(cast_a.ib, case, "to_parent_talk")
        factories.add_conversation(cast_a.ib, case, held_on=timezone.localdate())
        factories.advance(cast_a.ib, case, "to_weighing")
        assert stored(case) == computed(case)
        weighing_due = stored(case)
    with travel("2026-06-04", 9):
        steps.weigh(cast_a.af, case, "B", "yes")  # question 2 = yes: the report is due today
        assert stored(case) == computed(case) == datetime.date(2026, 6, 4) < weighing_due
        steps.report(cast_a, case)
        assert stored(case) == computed(case)


def test_closing_clears_it_and_a_parents_request_on_the_closed_case_sets_it_until_answered(cast_a):
    with travel("2026-06-10", 9):
        case = in_weighing(cast_a)
        steps.weigh(cast_a.af, case, "A")
        steps.close(cast_a, case, reason_code="no_action", text="Geen actie nodig.")
        assert stored(case) is None
        guardian = factories.GuardianFactory(pupil=case.pupils.get(), name="Anouk Proefmoeder")
        request = dossier_services.access_request_record(
            user=cast_a.af,
            case=Case.objects.get(pk=case.pk),
            request=AccessRequest(kind="inspection", received_on=datetime.date(2026, 6, 10), requester=guardian),
        )
        assert stored(case) == datetime.date(2026, 7, 10) == computed(case)
        dossier_services.access_request_handle(
            user=cast_a.af,
            case=Case.objects.get(pk=case.pk),
            handled=AccessRequestHandled(
                request=request, handled_on=datetime.date(2026, 6, 10), outcome="granted", notes="Inzage gegeven."
            ),
        )
        assert stored(case) is None


def test_refresh_corrects_what_a_changed_setting_moved(cast_a, settings):
    with travel("2026-06-10", 9):
        case = in_weighing(cast_a)
        before = stored(case)
        settings.MELDCODE_WEIGHING_WORKING_DAYS += 5
        assert stored(case) == before != computed(case)  # nothing announced the change
        out = io.StringIO()
        call_command("refresh_due_dates", stdout=out)
        assert out.getvalue().startswith("1 case(s)")
        assert stored(case) == computed(case) != before
        Case.objects.filter(pk=case.pk).update(next_due=None)
        notify.send_due_reminders()  # the hourly reminders are a safety net too
        assert stored(case) == computed(case)


def test_a_background_refresh_never_overwrites_a_case_that_has_moved_since_it_was_read(cast_a):
    with travel("2026-06-10", 9):
        case = in_weighing(cast_a)
        read = Case.objects.select_related("school", "owner").get(pk=case.pk)
        deadlines.attach([read])
        read.deadlines = []  # as if computed before the weighing started
    with travel("2026-06-10", 10):
        steps.weigh(cast_a.af, case, "B", "yes")  # the service stores the new date
        now_stored = stored(case)
        assert deadlines.store_computed([read]) == 0
        assert stored(case) == now_stored is not None


def test_a_change_of_the_schools_holiday_region_recomputes_its_cases(cast_a):
    with travel("2026-06-10", 9):
        case = in_weighing(cast_a)
        Case.objects.filter(pk=case.pk).update(next_due=None)
        school = cast_a.school
        school.holiday_region = "south" if school.holiday_region != "south" else "north"
        school.save()
        assert stored(case) == computed(case) is not None


@pytest.mark.parametrize("role", ["af", "contact_person"])
def test_the_list_order_hides_deadlines_the_reader_may_not_see(cast_a, client_for, role):
    """The order of a list is the stored next due date only where the reader sees deadlines: a contact person's
    cases keep the list's own order (newest activity first)."""
    with travel("2026-05-20", 9):
        opener = cast_a.contact_person
        old = factories.open_case(
            opener, factories.PupilFactory(class_group=cast_a.group1), observed_on=timezone.localdate()
        )
    with travel("2026-06-01", 9):
        new = factories.open_case(
            opener, factories.PupilFactory(class_group=cast_a.group1), observed_on=timezone.localdate()
        )
    Case.objects.filter(pk=old.pk).update(next_due=datetime.date(2026, 6, 5))
    Case.objects.filter(pk=new.pk).update(next_due=datetime.date(2026, 6, 15))
    with travel("2026-06-10", 11):
        page = client_for(cast_a.by_role(role)).get("/dossiers/").context["page"]
    listed = [c.pk for c in page.object_list if c.pk in (old.pk, new.pk)]
    assert listed == ([old.pk, new.pk] if role == "af" else [new.pk, old.pk])
