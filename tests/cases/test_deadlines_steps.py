"""The deadlines of issue 16, with frozen time: the weighing, "report today" (question 2 = yes or doubt, question 5 =
no), after the evaluation, route B (the board at once, the confidential inspector the same or next working day, the
police decision), the stand-still rule's wording, and reminders for the new deadlines. Each walked through the
services, as a user would."""

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cases import deadlines, notify, services
from cases import permissions as perms
from cases.models import ReminderSent
from tests import factories
from tests.cases import test_decision as steps
from tests.cases.test_deadlines import d, deadlines_of, open_case_today, travel, walk_to
from tests.tasks import reset_mail, sent_mail

# --- Weighing ---------------------------------------------------------------------------------------------------------


def test_weighing_is_due_5_working_days_after_the_hand_over_and_the_ib_sees_it(cast_a, client_for):
    # Handed over on Wednesday 22 April 2026: 23, 24, (weekend, King's Day 27), 28, 29, 30 April.
    with travel("2026-04-22"):
        case = walk_to(cast_a, "weighing")
        deadline = deadlines_of(case)[deadlines.WEIGHING]
    assert deadline.due == d("2026-04-30") and deadline.role == "af"
    with travel("2026-04-23"):
        page = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    with translation.override("nl"):
        label, nothing = str(deadlines.LABELS[deadlines.WEIGHING]), gettext("Nothing is due in this case.")
    assert label in page and 'datetime="2026-04-30"' in page
    assert nothing not in page  # issue 16: "Er loopt geen termijn in dit dossier" after the hand-over


def test_the_weighing_term_is_a_setting(cast_a, settings):
    settings.MELDCODE_WEIGHING_WORKING_DAYS = 2
    with travel("2026-04-22"):
        case = walk_to(cast_a, "weighing")
        assert deadlines_of(case)[deadlines.WEIGHING].due == d("2026-04-24")


def test_report_today_after_question_2_doubt_recorded_on_a_saturday(cast_a):
    with travel("2026-04-22"):
        case = walk_to(cast_a, "weighing")
    with travel("2026-04-25"):  # a Saturday; Monday 27 April is King's Day
        steps.weigh(cast_a.af, case, "B", "doubt")
        found = deadlines_of(case)
    assert list(found) == [deadlines.REPORT_TODAY]  # the weighing's own term gives way to the report
    assert found[deadlines.REPORT_TODAY].due == d("2026-04-28")
    assert found[deadlines.REPORT_TODAY].role == "af"


def test_report_today_after_question_2_yes_is_due_the_same_working_day_and_reminded(cast_a):
    with travel("2026-04-22", 9):
        case = walk_to(cast_a, "weighing")
        steps.weigh(cast_a.af, case, "B", "yes")
        deadline = deadlines_of(case)[deadlines.REPORT_TODAY]
        assert deadline.due == d("2026-04-22") and deadline.due_today
        reset_mail()
        assert notify.send_due_reminders() == 1
        assert notify.send_due_reminders() == 0  # once
    assert [m.to for m in sent_mail()] == [[cast_a.af.email]]
    assert ReminderSent.objects.filter(case=case, kind=deadlines.REPORT_TODAY, due_on=d("2026-04-22")).count() == 1
    with travel("2026-04-23"):
        assert deadlines_of(case)[deadlines.REPORT_TODAY].overdue
        steps.report(cast_a, case)
        assert list(deadlines_of(case)) == [deadlines.VT_SAFETY_ASSESSMENT]  # reported: Veilig Thuis's term now


def test_question_3_no_leads_to_a_report_within_the_weighing_term(cast_a):
    """Question 3 = no leads to a report, but not "at once" (domain.md §4): the weighing's term stays."""
    with travel("2026-04-22"):
        case = walk_to(cast_a, "weighing")
        steps.weigh(cast_a.af, case, "B", "no", "no")
        assert list(deadlines_of(case)) == [deadlines.WEIGHING]


# --- Help and evaluation ----------------------------------------------------------------------------------------------


def help_started(cast, day: str):
    with travel(day):
        case = walk_to(cast, "weighing")
        steps.start_help(cast, case)  # evaluation date: 30 days later
    return case


def test_report_today_after_question_5_no(cast_a):
    case = help_started(cast_a, "2026-06-01")
    with travel("2026-07-01"):
        assert deadlines_of(case)[deadlines.HELP_EVALUATION].due == d("2026-07-01")
        steps.evaluate(cast_a, case, reached=False)  # question 5 = no
        found = deadlines_of(case)
    assert list(found) == [deadlines.REPORT_TODAY]
    assert found[deadlines.REPORT_TODAY].due == d("2026-07-01")


def test_after_a_good_evaluation_monitoring_is_due_within_5_working_days(cast_a, settings):
    case = help_started(cast_a, "2026-06-01")
    with travel("2026-07-01"):  # a Wednesday
        steps.evaluate(cast_a, case, reached=True)
        assert deadlines_of(case)[deadlines.AFTER_EVALUATION].due == d("2026-07-08")
        settings.MELDCODE_EVALUATION_WORKING_DAYS = 1
        assert deadlines_of(case)[deadlines.AFTER_EVALUATION].due == d("2026-07-02")
        steps.start_monitoring(cast_a, case)
        assert list(deadlines_of(case)) == [deadlines.MONITORING_CHECK_IN]


# --- Route B (domain.md §9.3) -------------------------------------------------------------------------------------


def route_b_case_today(cast):
    pupil = factories.PupilFactory(class_group=cast.group1)
    case = factories.open_case(cast.teacher, pupil, route="B", kind="child_words", observed_on=timezone.localdate())
    return steps.fresh(case)


def test_route_b_the_board_at_once_the_inspector_next_working_day_then_the_police_decision(cast_a):
    with travel("2026-04-25"):  # opened on a Saturday: the board is informed on the next working day
        case = route_b_case_today(cast_a)
        found = deadlines_of(case)
    assert list(found) == [deadlines.INFORM_BOARD]
    # Due by the case's owner: the aandachtsfunctionaris (or the board contact when the AF is suspected).
    assert found[deadlines.INFORM_BOARD].due == d("2026-04-28") and found[deadlines.INFORM_BOARD].user == cast_a.af
    with travel("2026-04-28"):
        services.entry_record(
            user=cast_a.af,
            case=case,
            entry=steps.board_notification(informed_on=d("2026-04-28")),
            permission=perms.ROUTE_B,
        )
        found = deadlines_of(case)
    assert list(found) == [deadlines.CONSULT_INSPECTOR]
    assert found[deadlines.CONSULT_INSPECTOR].due == d("2026-04-29")
    with travel("2026-04-30"):  # Thursday: consulted a day late
        assert deadlines_of(case)[deadlines.CONSULT_INSPECTOR].overdue
        services.route_b_inspector_consulted(
            user=cast_a.af, case=case, consultation=steps.inspector_consultation(), expected_state="duty_to_inform"
        )
        found = deadlines_of(case)
    assert list(found) == [deadlines.POLICE_DECISION]
    assert found[deadlines.POLICE_DECISION].due == d("2026-05-01")
    with travel("2026-05-01"):
        services.route_b_police_decision(
            user=cast_a.af,
            case=case,
            decision_record=steps.police_decision(),
            expected_state="inspector_consulted",
        )
        found = deadlines_of(case)
    # After the police report the domain sets no term: the stand-still rule, with the case's owner (the AF).
    assert list(found) == [deadlines.STANDSTILL]
    assert found[deadlines.STANDSTILL].user == cast_a.af


def test_route_b_opened_on_a_working_day_informs_the_board_that_day_and_reminds_the_af(cast_a):
    with travel("2026-04-24", 8):
        case = route_b_case_today(cast_a)
        assert deadlines_of(case)[deadlines.INFORM_BOARD].due == d("2026-04-24")
        reset_mail()
        assert notify.send_due_reminders() == 1
    assert [m.to for m in sent_mail()] == [[cast_a.af.email]]
    assert ReminderSent.objects.get(case=case).kind == deadlines.INFORM_BOARD


# --- The stand-still rule's wording (issue 15: "standing still" only once the working days have passed) -------------


def test_a_case_stands_still_only_once_its_working_days_have_passed(cast_a, client_for):
    with translation.override("nl"):
        still = str(deadlines.LABELS[deadlines.STANDSTILL])
        next_step = str(deadlines.LABELS_BEFORE_DUE[deadlines.STANDSTILL])
    with travel("2026-04-17"):
        case = open_case_today(cast_a)
    url = reverse("cases:case-detail", kwargs={"pk": case.pk})
    start = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "teacher"})
    for day in ("2026-04-17", "2026-05-04"):  # opened; the last of the 10 working days
        with travel(day, 11):
            client = client_for(cast_a.teacher)  # logged in at that time
            assert deadlines_of(case)[deadlines.STANDSTILL].label == deadlines.LABELS_BEFORE_DUE[deadlines.STANDSTILL]
            for page in (client.get(url).content.decode(), client.get(start).content.decode()):
                assert next_step in page and still not in page
    with travel("2026-05-05", 11):
        client = client_for(cast_a.teacher)
        assert deadlines_of(case)[deadlines.STANDSTILL].overdue
        for page in (client.get(url).content.decode(), client.get(start).content.decode()):
            assert still in page and next_step not in page


def test_the_weighing_is_reminded_once_on_its_due_day(cast_a):
    """The weighing's reminder goes to the aandachtsfunctionaris on its due day, once."""
    with travel("2026-06-01", 9):
        weighing = walk_to(cast_a, "weighing")  # handed over Monday 1 June: due Monday 8 June
    reset_mail()
    with travel("2026-06-05", 7):
        assert notify.send_due_reminders() == 0
    with travel("2026-06-08", 7):
        assert notify.send_due_reminders() == 1
        assert notify.send_due_reminders() == 0
    assert list(ReminderSent.objects.filter(case=weighing).values_list("kind", "due_on", "user")) == [
        (deadlines.WEIGHING, d("2026-06-08"), cast_a.af.pk)
    ]
