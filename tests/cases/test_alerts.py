"""Urgent alerts (issue 16, part 1): a teacher's emergency proposal, or a new signal on a case in monitoring or with
Veilig Thuis involved, reaches every aandachtsfunctionaris and IB'er of that school at once — on every page and by
an e-mail that names nothing — and nobody at another school; an aandachtsfunctionaris acknowledges it; unacknowledged
it escalates after the configured school hours, first to the school's staff again, then to the board's contact."""

import datetime
import logging
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from cases import alerts, permissions, services
from cases.models import Alert, AuditEvent, Case, CaseState, EmergencyProposal
from outbox.models import OutgoingMail
from tests import factories
from tests.cases.test_deadlines import assert_no_case_details
from tests.cases.test_decision import case_at, closure, emergency_report, fresh, help_plan, help_tasks, weigh
from tests.tasks import reset_mail, sent_mail

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
HEADING = "Urgent: needs attention now"
ACKNOWLEDGE = "Seen, I am picking it up"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.MELDCODE_BASE_URL = "https://meldcode.example.invalid"
    settings.MELDCODE_ALERT_ESCALATE_WORKING_HOURS = 2
    settings.MELDCODE_SCHOOL_HOURS = (8, 17)


def at(day: str, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=AMS)


def travel(day: str, hour: int, minute: int = 0):
    return time_machine.travel(at(day, hour, minute), tick=False)


def propose(cast, case: Case) -> EmergencyProposal:
    return services.entry_record(
        user=cast.teacher,
        case=case,
        entry=EmergencyProposal(justification="Het kind durft niet naar huis."),
        permission=permissions.PROPOSE_EMERGENCY,
    )


def staff(cast) -> set[str]:
    return {cast.af.email, cast.ib.email}


def recipients(messages) -> list[str]:
    return sorted(address for message in messages for address in message.to)


def get(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def start_url(cast, role: str) -> str:
    return reverse("start", kwargs={"school_id": cast.school.pk, "role": role})


# --- A teacher's emergency proposal ---------------------------------------------------------------------------------


def test_a_teachers_emergency_proposal_alerts_every_af_and_ib_of_that_school_only(
    cast_a, cast_b, client_for, django_capture_on_commit_callbacks
):
    second_af = factories.UserFactory(username="af2-a")
    factories.MembershipFactory(user=second_af, school=cast_a.school, role="af")
    case = factories.case_in_state(cast_a, "consulting")
    reset_mail()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast_a.teacher).post(
            reverse("cases:emergency-proposal-add", kwargs={"pk": case.pk}),
            {"justification": "Het kind durft niet naar huis; vader dreigde."},
        )
    assert response.status_code == 302

    alert = Alert.objects.get()
    proposal = EmergencyProposal.objects.get(case=case)
    assert (alert.school, alert.case, alert.kind, alert.raised_by) == (
        cast_a.school,
        case,
        Alert.Kind.EMERGENCY_PROPOSAL,
        cast_a.teacher,
    )
    assert (alert.record_kind, alert.record_id, alert.level, alert.is_open) == ("proposal", proposal.pk, 0, True)
    # One e-mail each to every aandachtsfunctionaris and IB'er of school A; nobody else; naming nothing.
    assert recipients(sent_mail()) == sorted([*staff(cast_a), second_af.email])
    assert {m.subject for m in sent_mail()} == {"Meldcode: een spoedsignaal vraagt uw aandacht"}  # mail is in Dutch
    assert_no_case_details(case, sent_mail())

    # On every page of school A's aandachtsfunctionarissen and IB'ers: the start page, the case list, another case.
    for user, role in [(cast_a.af, "af"), (second_af, "af"), (cast_a.ib, "ib")]:
        client = client_for(user)
        for url in [start_url(cast_a, role), reverse("cases:case-list"), reverse("cases:case-detail", args=[case.pk])]:
            page = get(client, url)
            assert HEADING in page and reverse("cases:case-detail", args=[case.pk]) in page
            ack = reverse("cases:alert-acknowledge", kwargs={"alert_id": alert.pk})
            assert (ack in page) == (role == "af"), (user, url)  # only an aandachtsfunctionaris acknowledges
        assert HEADING in get(client, reverse("security"))
    # Nobody else sees it: the teachers and the contact person of school A, and everyone at school B.
    for cast, role, user in [
        (cast_a, "teacher", cast_a.teacher),
        (cast_a, "teacher", cast_a.other_teacher),
        (cast_a, "contact_person", cast_a.contact_person),
        (cast_b, "teacher", cast_b.teacher),
        (cast_b, "ib", cast_b.ib),
        (cast_b, "af", cast_b.af),
    ]:
        client = client_for(user)
        for url in [start_url(cast, role), reverse("cases:case-list"), reverse("security")]:
            assert HEADING not in get(client, url), (user, url)
    assert alerts.open_alerts_for_user(cast_b.af) == [] and alerts.open_alerts_for_user(cast_b.ib) == []


def test_an_ib_or_af_who_raises_the_alert_is_not_alerted_by_it(cast_a, django_capture_on_commit_callbacks):
    case = case_at(cast_a, "monitoring")
    reset_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.signal_record(user=cast_a.ib, case=case, signal=factories.make_signal())
    alert = Alert.objects.get()
    assert alert.raised_by == cast_a.ib
    assert recipients(sent_mail()) == [cast_a.af.email]
    assert alerts.open_alerts_for_user(cast_a.ib) == []
    assert alerts.open_alerts_for_user(cast_a.af) == [alert]


def test_no_alert_and_no_mail_when_the_record_is_rolled_back(cast_a):
    """The alert and its mails are stored in the record's transaction (the outbox): a rollback leaves neither."""
    case = factories.case_in_state(cast_a, "consulting")
    reset_mail()
    with pytest.raises(RuntimeError), transaction.atomic():
        propose(cast_a, case)
        assert Alert.objects.count() == 1
        assert OutgoingMail.objects.filter(state=OutgoingMail.State.QUEUED).count() == 2  # the AF and the IB'er
        raise RuntimeError
    assert not Alert.objects.exists()
    assert not OutgoingMail.objects.filter(state=OutgoingMail.State.QUEUED).exists()
    assert sent_mail() == []


# --- Acknowledging ----------------------------------------------------------------------------------------------------


def test_the_af_acknowledges_and_the_alert_is_gone_for_everyone(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    propose(cast_a, case)
    alert = Alert.objects.get()
    url = reverse("cases:alert-acknowledge", kwargs={"alert_id": alert.pk})

    response = client_for(cast_a.af).post(url)
    assert response.status_code == 302 and response.url == reverse("cases:case-detail", args=[case.pk])
    alert.refresh_from_db()
    assert alert.acknowledged_by == cast_a.af and alert.acknowledged_at is not None and not alert.is_open
    event = AuditEvent.objects.get(case=case, action=AuditEvent.Action.ALERT_ACKNOWLEDGED)
    assert (event.user, event.target) == (cast_a.af, f"alert {alert.pk}")
    for user, role in [(cast_a.af, "af"), (cast_a.ib, "ib")]:
        assert HEADING not in get(client_for(user), start_url(cast_a, role))

    # Acknowledging it again changes nothing and writes no second audit row.
    acknowledged_at = alert.acknowledged_at
    assert client_for(cast_a.af).post(url).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at == acknowledged_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ALERT_ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("a.ib", 403),
        ("a.teacher", 403),
        ("a.contact_person", 404),  # does not see the case: as for the case page
        ("a.other_teacher", 404),
        ("b.af", 404),
        ("b.ib", 404),
    ],
)
def test_only_an_af_of_the_school_acknowledges(cast_a, cast_b, client_for, actor, status):
    case = factories.case_in_state(cast_a, "consulting")
    propose(cast_a, case)
    alert = Alert.objects.get()
    letter, role = actor.split(".")
    user = (cast_a if letter == "a" else cast_b).by_role(role)
    response = client_for(user).post(reverse("cases:alert-acknowledge", kwargs={"alert_id": alert.pk}))
    assert response.status_code == status
    alert.refresh_from_db()
    assert alert.is_open and alert.acknowledged_by is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ALERT_ACKNOWLEDGED).exists()


def test_acknowledging_needs_a_post(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    propose(cast_a, case)
    url = reverse("cases:alert-acknowledge", kwargs={"alert_id": Alert.objects.get().pk})
    assert client_for(cast_a.af).get(url).status_code == 405
    assert Alert.objects.get().is_open


def test_making_the_emergency_report_settles_the_proposal_alert(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    propose(cast_a, case)
    services.case_emergency_report(
        user=cast_a.af, case=fresh(case), report=emergency_report(), expected_state="consulting"
    )
    alert = Alert.objects.get()
    assert alert.settled_at is not None and alert.acknowledged_at is None and not alert.is_open
    assert alerts.open_alerts_for_user(cast_a.af) == []


def test_handing_the_case_on_does_not_settle_the_proposal_alert(cast_a):
    case = factories.case_in_state(cast_a, "signalling")
    propose(cast_a, case)
    factories.advance(cast_a.teacher, case, "to_consulting")
    assert Alert.objects.get().is_open


# --- Escalation, with a frozen clock ------------------------------------------------------------------------------


def test_school_hours_count_only_on_working_days():
    add = alerts.add_school_hours
    # Monday 16 November 2026, 10:00 → 12:00 the same day.
    assert add(at("2026-11-16", 10), 2) == at("2026-11-16", 12)
    # In the evening: from 8:00 the next morning.
    assert add(at("2026-11-17", 18, 30), 2) == at("2026-11-18", 10)
    # Early in the morning: from 8:00.
    assert add(at("2026-11-18", 6), 2) == at("2026-11-18", 10)
    # Friday 16:00: one hour on Friday, the other on Monday morning; the weekend does not count.
    assert add(at("2026-11-20", 16), 2) == at("2026-11-23", 9)
    # On Saturday: Monday from 8:00.
    assert add(at("2026-11-21", 11), 2) == at("2026-11-23", 10)
    # Christmas: Thursday 24 December 2026 16:30 → Friday 25 and Saturday 26 (holidays) and the weekend are skipped.
    assert add(at("2026-12-24", 16, 30), 2) == at("2026-12-28", 9, 30)


def escalate_and_send(capture, now: datetime.datetime) -> int:
    """``alerts.escalate_due(now)``, with the e-mails it leaves for the commit sent."""
    with capture(execute=True):
        return alerts.escalate_due(now=now)


def test_an_unacknowledged_alert_escalates_to_the_staff_and_then_to_the_board(
    cast_a, cast_b, django_capture_on_commit_callbacks
):
    board = cast_a.school.board
    board.contact_name = "Mevrouw Bestuurder"
    board.contact_email = "bestuur@example.invalid"
    board.save()
    with travel("2026-11-16", 10):  # Monday
        case = factories.case_in_state(cast_a, "consulting")
        propose(cast_a, case)
    alert = Alert.objects.get()
    reset_mail()
    escalate = lambda now: escalate_and_send(django_capture_on_commit_callbacks, now)  # noqa: E731

    assert escalate(at("2026-11-16", 11, 59)) == 0
    assert sent_mail() == []
    # Two school hours later: mailed again to every aandachtsfunctionaris and IB'er of the school.
    assert escalate(at("2026-11-16", 12)) == 1
    alert.refresh_from_db()
    assert (alert.level, alert.reminded_at) == (Alert.Level.REMINDED, at("2026-11-16", 12))
    assert recipients(sent_mail()) == sorted(staff(cast_a))
    assert {m.subject for m in sent_mail()} == {"Meldcode: een spoedsignaal vraagt nog steeds aandacht"}
    assert_no_case_details(case, sent_mail())
    # Running again (or in a second process) sends nothing more.
    assert escalate(at("2026-11-16", 12, 30)) == 0
    assert len(sent_mail()) == 2
    # Two school hours after that: the board's contact, with the school's name only.
    reset_mail()
    assert escalate(at("2026-11-16", 13, 59)) == 0
    assert escalate(at("2026-11-16", 14)) == 1
    alert.refresh_from_db()
    assert (alert.level, alert.board_alerted_at, alert.board_contact_missing) == (
        Alert.Level.BOARD,
        at("2026-11-16", 14),
        False,
    )
    assert recipients(sent_mail()) == ["bestuur@example.invalid"]
    message = sent_mail()[0]
    assert cast_a.school.name in message.subject
    text = f"{message.subject}\n{message.body}"
    for pupil in case.pupils.all():
        assert pupil.first_name not in text and pupil.last_name not in text
    assert case.reference not in text and f"/dossiers/{case.pk}/" not in text
    # The last level: nothing further, ever.
    assert escalate(at("2026-12-31", 12)) == 0
    assert len(sent_mail()) == 1
    # Still open until someone picks it up; the banner says it has not been acknowledged yet.
    assert alerts.open_alerts_for_user(cast_a.af) == [alert]


def test_escalation_counts_no_evenings_or_weekends(cast_a):
    with travel("2026-11-20", 16):  # Friday, an hour before the end of the school day
        case = factories.case_in_state(cast_a, "consulting")
        propose(cast_a, case)
    for moment in [at("2026-11-20", 23), at("2026-11-21", 12), at("2026-11-22", 16), at("2026-11-23", 8, 59)]:
        assert alerts.escalate_due(now=moment) == 0, moment
    with travel("2026-11-23", 9):
        assert alerts.escalate_due() == 1
    assert Alert.objects.get().level == Alert.Level.REMINDED


def test_the_configured_number_of_hours_is_used(cast_a, settings):
    settings.MELDCODE_ALERT_ESCALATE_WORKING_HOURS = 4
    with travel("2026-11-16", 9):
        propose(cast_a, factories.case_in_state(cast_a, "consulting"))
    assert alerts.escalate_due(now=at("2026-11-16", 12, 59)) == 0
    assert alerts.escalate_due(now=at("2026-11-16", 13)) == 1


def test_no_board_contact_is_recorded_and_logged(cast_a, caplog, django_capture_on_commit_callbacks):
    with travel("2026-11-16", 9):
        propose(cast_a, factories.case_in_state(cast_a, "consulting"))
    reset_mail()
    with caplog.at_level(logging.WARNING, logger="cases.alerts"):
        assert escalate_and_send(django_capture_on_commit_callbacks, at("2026-11-16", 11)) == 1
        assert escalate_and_send(django_capture_on_commit_callbacks, at("2026-11-16", 13)) == 1
    alert = Alert.objects.get()
    assert (alert.level, alert.board_contact_missing) == (Alert.Level.BOARD, True)
    assert recipients(sent_mail()) == sorted(staff(cast_a))  # level 1 only: no board address
    assert "has no contact to escalate to" in caplog.text


def test_an_acknowledged_or_settled_alert_does_not_escalate(cast_a):
    with travel("2026-11-16", 9):
        propose(cast_a, factories.case_in_state(cast_a, "consulting"))
        propose(cast_a, factories.case_in_state(cast_a, "consulting"))
    first, second = Alert.objects.order_by("pk")
    alerts.acknowledge(user=cast_a.af, alert=first)
    services.case_emergency_report(
        user=cast_a.af, case=fresh(second.case), report=emergency_report(), expected_state="consulting"
    )
    assert alerts.escalate_due(now=at("2026-11-30", 12)) == 0
    assert set(Alert.objects.values_list("level", flat=True)) == {0}


def test_the_task_and_the_command_escalate(cast_a):
    from cases.tasks import escalate_alerts

    with travel("2026-11-16", 9):
        propose(cast_a, factories.case_in_state(cast_a, "consulting"))
    with travel("2026-11-16", 11):
        assert escalate_alerts.call() == 1
    with travel("2026-11-16", 13):
        call_command("escalate_alerts")
    assert Alert.objects.get().level == Alert.Level.BOARD


# --- New signals on a case in monitoring or with Veilig Thuis involved ------------------------------------------------


@pytest.mark.parametrize(
    ("state", "kind"),
    [("monitoring", Alert.Kind.SIGNAL_MONITORING), ("vt_involved", Alert.Kind.SIGNAL_VT_INVOLVED)],
)
def test_a_new_signal_in_monitoring_or_with_veilig_thuis_alerts_the_school(
    cast_a, cast_b, client_for, django_capture_on_commit_callbacks, state, kind
):
    case = case_at(cast_a, state)
    reset_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.signal_record(user=cast_a.teacher, case=fresh(case), signal=factories.make_signal())
    alert = Alert.objects.get()
    assert (alert.kind, alert.record_kind, alert.case, alert.school) == (kind, "signal", case, cast_a.school)
    assert recipients(sent_mail()) == sorted(staff(cast_a))
    assert_no_case_details(case, sent_mail())
    assert HEADING in get(client_for(cast_a.af), start_url(cast_a, "af"))
    assert HEADING not in get(client_for(cast_b.af), start_url(cast_b, "af"))
    # During monitoring the signal sent the case back to weighing: the alert stays until the weighing is done.
    if state == "monitoring":
        assert fresh(case).state == CaseState.WEIGHING
        assert Alert.objects.get().is_open
        weigh(cast_a.af, fresh(case), "B", "no", "yes", "yes")
        services.help_plan_start(
            user=cast_a.af, case=fresh(case), plan=help_plan(cast_a.ib), tasks=help_tasks(1), expected_state="weighing"
        )
    else:
        services.case_close(
            user=cast_a.af,
            case=fresh(case),
            closure=closure(reason_code="vt_took_over", text="Veilig Thuis heeft het overgenomen."),
            expected_state="vt_involved",
        )
    assert Alert.objects.get().settled_at is not None


@pytest.mark.parametrize("state", ["signalling", "consulting", "weighing"])
def test_a_signal_in_another_state_raises_no_alert(cast_a, state):
    case = factories.case_in_state(cast_a, state)
    services.signal_record(user=cast_a.teacher, case=fresh(case), signal=factories.make_signal())
    assert not Alert.objects.exists()


def test_a_correction_raises_no_alert(cast_a):
    case = case_at(cast_a, "vt_involved")
    signal = services.signal_record(user=cast_a.teacher, case=fresh(case), signal=factories.make_signal())
    assert Alert.objects.count() == 1
    services.signal_record(
        user=cast_a.teacher, case=fresh(case), signal=factories.make_signal(description="Verbeterd."), corrects=signal
    )
    assert Alert.objects.count() == 1


def test_no_alert_before_the_second_factor(cast_a, client):
    case = factories.case_in_state(cast_a, "consulting")
    propose(cast_a, case)
    client.force_login(cast_a.af)  # the password only: the second factor is still to be entered or set up
    response = client.get(start_url(cast_a, "af"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "/tweede-factor/" in response.redirect_chain[-1][0]
    content = response.content.decode()
    assert HEADING not in content and case.reference not in content
