"""Deadlines in Dutch working days (domain.md §5), reminders sent once, and hand-over notifications — with frozen
time. Records of steps 4-5 are created directly (append-only models may be created) and the case put in the step
they belong to, so that each rule is tested on its own."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases import deadlines, notify
from cases.models import (
    Case,
    CaseState,
    HelpPlan,
    MonitoringAgreement,
    MonitoringCheckIn,
    Notification,
    ReminderSent,
    VeiligThuisOutcome,
    VeiligThuisReport,
)
from meldcode.env import env_base_url, env_int
from outbox.models import OutgoingMail
from tests import factories
from tests.tasks import reset_mail, sent_mail

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=AMS)


def d(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def travel(day: str, hour: int = 10):
    return time_machine.travel(at(day, hour), tick=False)


def open_case_today(cast, user=None) -> Case:
    """A case opened now (frozen time) by the teacher of group 1, with a signal observed today."""
    from django.utils import timezone

    pupil = factories.PupilFactory(class_group=cast.group1)
    return factories.open_case(user or cast.teacher, pupil, observed_on=timezone.localdate())


def walk_to(cast, state: str) -> Case:
    """Like ``factories.case_in_state``, with every date today (frozen time)."""
    from django.utils import timezone

    today = timezone.localdate()
    case = open_case_today(cast)
    if state == "signalling":
        return case
    factories.advance(cast.teacher, case, "to_consulting")
    if state == "consulting":
        return case
    factories.add_consultation(cast.ib, case, held_on=today)
    factories.advance(cast.ib, case, "to_parent_talk")
    factories.add_conversation(cast.ib, case, held_on=today)
    factories.advance(cast.ib, case, "to_weighing")
    return case


def put_in_state(case: Case, state: str) -> Case:
    Case.objects.filter(pk=case.pk).update(state=state)
    return Case.objects.select_related("school", "owner").get(pk=case.pk)


def deadlines_of(case: Case) -> dict[str, deadlines.Deadline]:
    fresh = Case.objects.select_related("school", "owner").get(pk=case.pk)
    deadlines.attach([fresh])
    return {dl.kind: dl for dl in fresh.deadlines}


def add_report(case: Case, author, reported_at: datetime.datetime, **extra) -> VeiligThuisReport:
    return VeiligThuisReport.objects.create(
        case=case,
        author=author,
        reported_at=reported_at,
        channel="phone",
        relation_to_family="school",
        direct_cause="Nieuwe blauwe plekken.",
        nature_frequency_severity="Lichamelijk, herhaald.",
        parents_informed=True,
        parents_informed_on=reported_at.date(),
        meldrecht_acknowledged=True,
        **extra,
    )


def reported_case(cast, day: str, **extra) -> Case:
    with travel(day):
        case = walk_to(cast, "weighing")
        add_report(case, cast.af, at(day, 9), **extra)
    return put_in_state(case, CaseState.REPORTED)


def help_case(cast, opened: str, evaluation_on: str, case_manager=None) -> Case:
    with travel(opened):
        case = walk_to(cast, "weighing")
        HelpPlan.objects.create(
            case=case,
            author=cast.af,
            case_manager=case_manager,
            roles="IB'er coördineert.",
            measurable_result="Geen nieuwe signalen.",
            evaluation_on=d(evaluation_on),
            parents_accept="yes",
        )
    return put_in_state(case, CaseState.HELP)


def monitoring_case(cast, day: str, how_often: str, until: str) -> tuple[Case, MonitoringAgreement]:
    with travel(day):
        case = walk_to(cast, "weighing")
        agreement = MonitoringAgreement.objects.create(
            case=case, author=cast.af, what="Welzijn in de klas", who="leerkracht", how_often=how_often, until=d(until)
        )
    return put_in_state(case, CaseState.MONITORING), agreement


# --- Working days ----------------------------------------------------------------------------------------------------


def test_working_days_skip_the_weekend_and_kings_day():
    # Friday 24 April 2026 + 1 working day: Saturday, Sunday and King's Day (Monday 27 April) are skipped.
    assert deadlines.add_working_days(d("2026-04-24"), 1) == d("2026-04-28")
    assert not deadlines.is_working_day(d("2026-04-27"))
    assert deadlines.next_working_day(d("2026-04-25")) == d("2026-04-28")


def test_working_days_skip_christmas():
    assert deadlines.add_working_days(d("2025-12-24"), 1) == d("2025-12-29")
    assert deadlines.is_working_day(d("2025-12-24"))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("wekelijks", (1, "weeks")),
        ("Tweewekelijks", (2, "weeks")),
        ("twee-wekelijks", (2, "weeks")),
        ("maandelijks", (1, "months")),
        ("elke 3 weken", (3, "weeks")),
        ("om de twee weken", (2, "weeks")),
        ("1x per maand", (1, "months")),
        ("als het nodig is", None),
        ("", None),
    ],
)
def test_how_often_is_understood_when_it_is_simple(text, expected):
    assert deadlines.parse_interval(text) == expected


# --- Veilig Thuis ------------------------------------------------------------------------------------------------


def test_safety_assessment_is_due_5_working_days_after_the_report_across_kings_day(cast_a):
    # Reported Wednesday 22 April 2026: 23, 24, (weekend, King's Day 27), 28, 29, 30 April.
    case = reported_case(cast_a, "2026-04-22")
    with travel("2026-04-30"):
        deadline = deadlines_of(case)[deadlines.VT_SAFETY_ASSESSMENT]
        assert deadline.due == d("2026-04-30")
        assert deadline.due_today and not deadline.overdue
        assert deadline.role == "af"
    with travel("2026-05-01"):
        assert deadlines_of(case)[deadlines.VT_SAFETY_ASSESSMENT].overdue


def test_safety_assessment_across_christmas(cast_a):
    # Reported Monday 22 December 2025: 23, 24, (Christmas 25-26, weekend), 29, 30, 31 December.
    case = reported_case(cast_a, "2025-12-22")
    with travel("2025-12-23"):
        assert deadlines_of(case)[deadlines.VT_SAFETY_ASSESSMENT].due == d("2025-12-31")


def test_investigation_feedback_about_10_weeks_after_the_report_and_on_the_agreed_date(cast_a):
    # Reported Monday 16 February 2026; 10 weeks later is King's Day: the next working day counts.
    case = reported_case(cast_a, "2026-02-16", feedback_agreed_on=d("2026-04-10"))
    with travel("2026-02-20"):
        VeiligThuisOutcome.objects.create(
            case=case, author=cast_a.af, assessed_on=d("2026-02-20"), decision="investigation"
        )
        case = put_in_state(case, CaseState.VT_INVOLVED)
        found = deadlines_of(case)
    assert found[deadlines.VT_FEEDBACK_ASK].due == d("2026-04-28")
    assert found[deadlines.VT_FEEDBACK_AGREED].due == d("2026-04-10")
    assert deadlines.VT_SAFETY_ASSESSMENT not in found  # Veilig Thuis has decided


def test_the_latest_outcome_counts(cast_a):
    # The outcome's decision comes with the report (one query): the latest outcome of the case decides.
    case = reported_case(cast_a, "2026-02-16")
    with travel("2026-02-20"):
        VeiligThuisOutcome.objects.create(case=case, author=cast_a.af, assessed_on=d("2026-02-19"), decision="end")
        VeiligThuisOutcome.objects.create(
            case=case, author=cast_a.af, assessed_on=d("2026-02-20"), decision="investigation"
        )
        case = put_in_state(case, CaseState.VT_INVOLVED)
        assert deadlines.VT_FEEDBACK_ASK in deadlines_of(case)
    with travel("2026-02-21"):
        VeiligThuisOutcome.objects.create(case=case, author=cast_a.af, assessed_on=d("2026-02-21"), decision="end")
        assert deadlines.VT_FEEDBACK_ASK not in deadlines_of(case)


def test_no_feedback_to_ask_but_a_next_step_when_veilig_thuis_ended_its_involvement(cast_a):
    case = reported_case(cast_a, "2026-02-16")
    with travel("2026-02-20"):
        VeiligThuisOutcome.objects.create(case=case, author=cast_a.af, assessed_on=d("2026-02-20"), decision="end")
        case = put_in_state(case, CaseState.VT_INVOLVED)
        found = deadlines_of(case)
    # Nothing to ask Veilig Thuis; the school decides on monitoring or closing (the stand-still term after the
    # step into vt_involved — here the case's latest step change, into weighing on 16 February).
    assert list(found) == [deadlines.VT_ENDED]
    assert found[deadlines.VT_ENDED].due == d("2026-03-02")


def test_a_rappel_is_due_on_its_date_while_veilig_thuis_is_involved_and_while_the_school_monitors(cast_a):
    """Veilig Thuis concluded "not confirmed" and will check back (domain.md §9.4): due on that date, with a
    reminder a week before, to the aandachtsfunctionaris; the latest outcome decides, so a later one without a
    rappel ends it."""
    case = reported_case(cast_a, "2026-02-16")
    with travel("2026-03-20"):
        VeiligThuisOutcome.objects.create(
            case=case,
            author=cast_a.af,
            assessed_on=d("2026-03-20"),
            decision="end",
            conclusion="not_confirmed",
            rappel_on=d("2026-09-14"),
        )
        for state in (CaseState.VT_INVOLVED, CaseState.MONITORING):
            rappel = deadlines_of(put_in_state(case, state))[deadlines.VT_RAPPEL]
            assert rappel.due == d("2026-09-14")
            assert rappel.reminders == ((deadlines.WEEK_BEFORE, d("2026-09-07")), ("", d("2026-09-14")))
            assert rappel.role == "af"
        assert deadlines.VT_RAPPEL not in deadlines_of(put_in_state(case, CaseState.REPORTED))
    with travel("2026-03-25"):
        VeiligThuisOutcome.objects.create(
            case=case, author=cast_a.af, assessed_on=d("2026-03-25"), decision="end", conclusion="refuted"
        )
        assert deadlines.VT_RAPPEL not in deadlines_of(put_in_state(case, CaseState.VT_INVOLVED))


# --- Help plan and monitoring ---------------------------------------------------------------------------------------


def test_help_plan_evaluation_reminds_a_week_before_and_on_the_day(cast_a):
    case = help_case(cast_a, "2026-06-01", "2026-06-15", case_manager=cast_a.ib)
    with travel("2026-06-07"):
        deadline = deadlines_of(case)[deadlines.HELP_EVALUATION]
        assert deadline.due == d("2026-06-15")
        assert deadline.reminders_due() == []
        assert "Achternaam" in deadline.responsible or str(cast_a.ib) in deadline.responsible
    with travel("2026-06-08"):
        assert [key for key, _on in deadlines_of(case)[deadlines.HELP_EVALUATION].reminders_due()] == [
            deadlines.WEEK_BEFORE
        ]
    with travel("2026-06-16"):
        assert deadlines_of(case)[deadlines.HELP_EVALUATION].overdue


def test_monitoring_check_in_follows_how_often_and_the_last_check_in(cast_a):
    case, agreement = monitoring_case(cast_a, "2026-03-02", "tweewekelijks", "2026-09-01")
    with travel("2026-03-03"):
        assert deadlines_of(case)[deadlines.MONITORING_CHECK_IN].due == d("2026-03-16")
    with travel("2026-03-10"):
        MonitoringCheckIn.objects.create(
            case=case, author=cast_a.af, agreement=agreement, held_on=d("2026-03-10"), findings="Gaat goed."
        )
        assert deadlines_of(case)[deadlines.MONITORING_CHECK_IN].due == d("2026-03-24")


def test_monitoring_monthly_and_unparseable(cast_a):
    case, _ = monitoring_case(cast_a, "2026-01-31", "maandelijks", "2026-09-01")
    with travel("2026-02-01"):
        assert deadlines_of(case)[deadlines.MONITORING_CHECK_IN].due == d("2026-02-28")
    other, _ = monitoring_case(cast_a, "2026-01-31", "als het nodig is", "2026-05-01")
    with travel("2026-02-01"):
        assert deadlines_of(other)[deadlines.MONITORING_CHECK_IN].due == d("2026-05-01")


# --- Standing still in steps 1-3 ------------------------------------------------------------------------------------


def test_a_case_standing_still_in_step_1(cast_a):
    # Opened Friday 17 April 2026; 10 working days, King's Day skipped: Monday 4 May.
    with travel("2026-04-17"):
        case = open_case_today(cast_a)
    with travel("2026-05-04"):
        deadline = deadlines_of(case)[deadlines.STANDSTILL]
        assert deadline.due == d("2026-05-04") and not deadline.overdue
        assert deadline.user == cast_a.teacher  # the case is still with the teacher who opened it
    with travel("2026-05-05"):
        assert deadlines_of(case)[deadlines.STANDSTILL].overdue


def test_standstill_is_configurable_and_restarts_with_activity(cast_a, settings):
    settings.MELDCODE_STANDSTILL_WORKING_DAYS = 3
    with travel("2026-04-22"):
        case = open_case_today(cast_a)
        assert deadlines_of(case)[deadlines.STANDSTILL].due == d("2026-04-28")  # 23, 24, (27), 28
    with travel("2026-04-28"):
        factories.advance(cast_a.teacher, case, "to_consulting")
        deadline = deadlines_of(case)[deadlines.STANDSTILL]
        assert deadline.due == d("2026-05-01")
        assert deadline.user == cast_a.ib


def test_the_settings_are_parsed_strictly():
    with pytest.raises(ImproperlyConfigured, match="MELDCODE_STANDSTILL_WORKING_DAYS"):
        env_int("MELDCODE_STANDSTILL_WORKING_DAYS", 10, minimum=1, environ={"MELDCODE_STANDSTILL_WORKING_DAYS": "tien"})
    with pytest.raises(ImproperlyConfigured, match="MELDCODE_BASE_URL"):
        env_base_url("MELDCODE_BASE_URL", "", environ={"MELDCODE_BASE_URL": "meldcode.example.nl"})
    with pytest.raises(ImproperlyConfigured, match="MELDCODE_BASE_URL"):
        env_base_url("MELDCODE_BASE_URL", "", environ={})
    assert env_base_url("X", "", environ={"X": "https://meldcode.example.nl/"}) == "https://meldcode.example.nl"


def test_closed_cases_have_no_deadlines(cast_a):
    case = put_in_state(walk_to(cast_a, "weighing"), CaseState.CLOSED)
    assert deadlines_of(case) == {}


# --- Reminders ------------------------------------------------------------------------------------------------------


def assert_no_case_details(case: Case, messages) -> None:
    pupils = list(case.pupils.all())
    for message in messages:
        text = f"{message.subject}\n{message.body}"
        for pupil in pupils:
            assert pupil.first_name not in text and pupil.last_name not in text
        assert case.reference not in text
        assert f"/dossiers/{case.pk}/" in message.body


def test_reminders_are_sent_once_to_the_responsible_people_without_details(cast_a, cast_b, settings):
    settings.MELDCODE_BASE_URL = "https://meldcode.example.invalid"
    case = reported_case(cast_a, "2026-04-22")
    reset_mail()
    with travel("2026-04-29", 7):
        call_command("send_reminders")
        assert sent_mail() == []  # day 4: not yet
    with travel("2026-04-30", 7):
        call_command("send_reminders")
        call_command("send_reminders")  # a second run, as after a restart: nothing new
    assert [m.to for m in sent_mail()] == [[cast_a.af.email]]
    assert ReminderSent.objects.filter(case=case, kind=deadlines.VT_SAFETY_ASSESSMENT, user=cast_a.af).count() == 1
    assert mail.outbox[0].body.count("https://meldcode.example.invalid/dossiers/") == 1
    assert "30 april 2026" in mail.outbox[0].body  # rendered in Dutch
    assert_no_case_details(case, mail.outbox)
    with travel("2026-05-06", 7):
        call_command("send_reminders")  # overdue now, but already reminded
    assert len(sent_mail()) == 1


def test_help_plan_reminders_a_week_before_and_on_the_day(cast_a):
    case = help_case(cast_a, "2026-06-01", "2026-06-15", case_manager=cast_a.ib)
    reset_mail()
    with travel("2026-06-08", 7):
        assert notify.send_due_reminders() == 2  # the aandachtsfunctionaris and the case manager
        assert notify.send_due_reminders() == 0
    with travel("2026-06-15", 7):
        assert notify.send_due_reminders() == 2
        assert notify.send_due_reminders() == 0
    assert sorted(m.to[0] for m in sent_mail()) == sorted([cast_a.af.email, cast_a.ib.email] * 2)
    assert_no_case_details(case, mail.outbox)


def test_standstill_reminder_goes_to_the_owner_only(cast_a):
    with travel("2026-04-17"):
        case = open_case_today(cast_a)
    reset_mail()
    with travel("2026-05-04", 7):
        assert notify.send_due_reminders() == 1
    assert sent_mail()[0].to == [cast_a.teacher.email]
    assert_no_case_details(case, mail.outbox)


# --- Hand-over notifications ----------------------------------------------------------------------------------------


def test_hand_over_to_the_ib_and_to_the_af_notifies_them_once(cast_a, cast_b):
    reset_mail()
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil)
    factories.advance(cast_a.teacher, case, "to_consulting")
    assert list(Notification.objects.values_list("user", "kind")) == [
        (cast_a.ib.pk, Notification.Kind.HANDOVER_CONSULTING)
    ]
    assert [m.to for m in sent_mail()] == [[cast_a.ib.email]]

    factories.add_consultation(cast_a.ib, case)
    factories.advance(cast_a.ib, case, "to_parent_talk")  # no hand-over: the IB'er keeps the case
    factories.add_conversation(cast_a.ib, case)
    factories.advance(cast_a.ib, case, "to_weighing")
    assert Notification.objects.filter(kind=Notification.Kind.HANDOVER_WEIGHING).count() == 1
    assert Notification.objects.get(kind=Notification.Kind.HANDOVER_WEIGHING).user == cast_a.af
    assert Notification.objects.count() == 2
    assert [m.to for m in sent_mail()] == [[cast_a.ib.email], [cast_a.af.email]]
    assert not Notification.objects.filter(user__in=[cast_b.ib, cast_b.af, cast_a.teacher]).exists()
    assert_no_case_details(case, mail.outbox)


def test_no_mail_when_the_hand_over_is_rolled_back(cast_a):
    """The mail is queued in the step's transaction (the outbox): rolled back with it, nothing is ever sent."""
    reset_mail()
    case = open_case_today(cast_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.advance(cast_a.teacher, case, "to_consulting")
        assert OutgoingMail.objects.count() == 1  # queued with the step change
        raise RuntimeError
    assert OutgoingMail.objects.count() == 0
    assert sent_mail() == []


def test_the_person_who_hands_over_is_not_notified(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    from cases import services

    case = services.case_open(
        user=cast_a.ib, school=cast_a.school, pupils=[pupil], route="A", signal=factories.make_signal()
    )
    factories.advance(cast_a.ib, case, "to_consulting")
    assert not Notification.objects.exists()


def test_notifications_show_on_the_start_page_until_read(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.ib)
    start = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "ib"})
    response = client.get(start)
    assert [n.case_id for n in response.context["notifications"]] == [case.pk]
    notification = Notification.objects.get(user=cast_a.ib)
    response = client.post(
        reverse("cases:notification-read", kwargs={"notification_id": notification.pk}), {"next": start}
    )
    assert response.status_code == 302 and response.url == start
    assert client.get(start).context["notifications"] == []


def test_someone_else_cannot_mark_a_notification_read(cast_a, cast_b, client_for):
    factories.case_in_state(cast_a, "consulting")
    notification = Notification.objects.get(user=cast_a.ib)
    for user in (cast_b.ib, cast_a.af):
        response = client_for(user).post(
            reverse("cases:notification-read", kwargs={"notification_id": notification.pk})
        )
        assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


# --- Pages -----------------------------------------------------------------------------------------------------------


def test_the_case_page_and_the_start_page_show_what_is_overdue_in_words(cast_a, client_for):
    case = reported_case(cast_a, "2026-04-22")
    with translation.override("nl"):
        overdue = gettext("Overdue:")
        label = str(deadlines.LABELS[deadlines.VT_SAFETY_ASSESSMENT])
    with travel("2026-05-04"):
        client = client_for(cast_a.af)
        page = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
        start = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"})).content.decode()
    for content in (page, start):
        assert overdue in content and label in content and "icon-warning" in content
        assert 'datetime="2026-04-30"' in content


def test_start_page_deadlines_take_a_fixed_number_of_queries(cast_a, client_for):
    """Cases in every step with deadlines: the AF's start page takes as many queries for one case of each kind as
    for three."""

    def make_one_of_each():
        reported_case(cast_a, "2026-04-22")
        case = reported_case(cast_a, "2026-02-16", feedback_agreed_on=d("2026-04-10"))
        VeiligThuisOutcome.objects.create(
            case=case, author=cast_a.af, assessed_on=d("2026-02-20"), decision="investigation"
        )
        put_in_state(case, CaseState.VT_INVOLVED)
        help_case(cast_a, "2026-04-01", "2026-06-15", case_manager=cast_a.ib)
        monitoring_case(cast_a, "2026-04-01", "wekelijks", "2026-09-01")

    client = client_for(cast_a.af)
    url = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"})

    def count() -> tuple[int, int]:
        with travel("2026-05-04"):
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
        return len(ctx.captured_queries), sum(len(c.deadlines) for c in response.context["action_cases"])

    make_one_of_each()
    small, small_deadlines = count()
    make_one_of_each()  # ten cases: all on the start page (it shows ten rows per list)
    large, large_deadlines = count()
    assert large_deadlines == 2 * small_deadlines > 0
    assert small == large
