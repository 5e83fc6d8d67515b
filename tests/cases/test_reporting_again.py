"""Issue 17, findings 2, 4 (confirmation), 8 and 9: reporting again while Veilig Thuis is involved (an additional
report and an emergency report, each with what is new; "the signals continue" leads to it), Veilig Thuis's
rappel, closing reasons that fit the path, the parents with parental authority (who is told before a report, who
may ask for the file), and the confirmation page before a report or a closing. Each rule allowed and refused,
through the services and through the views; a refusal leaves the case unchanged."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from cases import services
from cases.models import (
    AccessRequest,
    Case,
    Closure,
    MonitoringCheckIn,
    ReportInformedParent,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
)
from cases.views_decisions import next_actions
from tests import factories
from tests.cases.test_decision import (
    case_at,
    closure,
    days,
    evaluate,
    fresh,
    start_help,
    start_monitoring,
    vt_outcome,
    vt_report,
    weigh,
)
from tests.cases.test_guards import snapshot

NEW = "Sinds de melding twee nieuwe blauwe plekken; het kind zegt dat vader weer slaat."


def t(msgid: str, **params) -> str:
    """What the user sees for ``msgid`` (Dutch once the catalogue has it)."""
    text = gettext(msgid)
    return text % params if params else text


def action_url(case, action: str) -> str:
    return reverse("cases:case-action", kwargs={"pk": case.pk, "action": action})


def report_post(**overrides) -> dict:
    data = {
        "reported_at": timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "relation_to_family": "Leerkracht van het kind.",
        "direct_cause": "Nieuwe signalen.",
        "nature_frequency_severity": "Blauwe plekken.",
        "not_informed_reason": "child_safety",
        "meldrecht_acknowledged": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Reporting again (finding 2) -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["reported", "vt_involved"])
def test_an_additional_report_with_what_is_new_goes_back_to_reported(cast_a, state):
    case = case_at(cast_a, state)
    services.case_report_again(user=cast_a.af, case=case, report=vt_report(what_is_new=NEW), expected_state=state)
    case = fresh(case)
    assert case.state == "reported"
    latest = VeiligThuisReport.objects.filter(case=case).latest("recorded_at", "pk")
    assert latest.additional and latest.what_is_new == NEW and not latest.emergency
    step = Transition.objects.filter(case=case).latest("at", "pk")
    assert (step.name, step.from_state, step.to_state, step.reason) == ("report_again", state, "reported", NEW)


@pytest.mark.parametrize("state", ["reported", "vt_involved"])
def test_an_additional_report_without_what_is_new_is_refused_and_changes_nothing(cast_a, state):
    case = case_at(cast_a, state)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_report_again(user=cast_a.af, case=case, report=vt_report(), expected_state=state)
    assert t("Say what is new since the previous report.") in exc.value.messages
    assert snapshot(case) == before


@pytest.mark.parametrize("state", ["reported", "vt_involved"])
def test_an_emergency_report_is_possible_after_a_report(cast_a, state):
    case = case_at(cast_a, state)
    report = vt_report(emergency_justification="Het kind durft niet naar huis.", what_is_new=NEW)
    services.case_emergency_report(user=cast_a.af, case=case, report=report, expected_state=state)
    case = fresh(case)
    assert case.state == "reported" and case.acute
    latest = VeiligThuisReport.objects.filter(case=case).latest("recorded_at", "pk")
    assert latest.emergency and latest.additional and latest.what_is_new == NEW


def test_an_emergency_report_after_a_report_needs_what_is_new(cast_a):
    case = case_at(cast_a, "vt_involved")
    before = snapshot(case)
    report = vt_report(emergency_justification="Het kind durft niet naar huis.")
    with pytest.raises(ValidationError) as exc:
        services.case_emergency_report(user=cast_a.af, case=case, report=report, expected_state="vt_involved")
    assert t("Say what is new since the previous report.") in exc.value.messages
    assert snapshot(case) == before


def test_a_first_report_is_no_additional_report(cast_a):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    services.case_report(user=cast_a.af, case=case, report=vt_report(what_is_new="x"), expected_state="weighing")
    first = VeiligThuisReport.objects.get(case=case)
    assert not first.additional and first.what_is_new == ""


def test_reporting_again_is_not_offered_before_a_report(cast_a):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    before = snapshot(case)
    with pytest.raises(services.NotNowError):
        services.case_report_again(
            user=cast_a.af, case=case, report=vt_report(what_is_new=NEW), expected_state="weighing"
        )
    assert snapshot(case) == before


def test_a_teacher_may_not_report_again(cast_a):
    case = case_at(cast_a, "vt_involved")
    before = snapshot(case)
    with pytest.raises(Exception) as exc:
        services.case_report_again(
            user=cast_a.teacher, case=case, report=vt_report(what_is_new=NEW), expected_state="vt_involved"
        )
    assert exc.type.__name__ == "PermissionDenied"
    assert snapshot(case) == before


def test_the_case_page_offers_reporting_again_while_veilig_thuis_is_involved(cast_a, client_for):
    case = case_at(cast_a, "vt_involved")
    keys = [link["key"] for link in next_actions(user=cast_a.af, case=case)]
    assert "report-again" in keys and "emergency" in keys
    page = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    assert action_url(case, "report-again") in page.content.decode()


def test_signals_continue_in_monitoring_leads_to_the_report(cast_a, client_for):
    case = case_at(cast_a, "monitoring")
    agreement = case.monitoringagreements.get()
    label = t("The signals continue: report to Veilig Thuis again")
    assert label not in [link["label"] for link in next_actions(user=cast_a.af, case=case)]
    services.entry_record(
        user=cast_a.af,
        case=case,
        entry=MonitoringCheckIn(
            agreement=agreement, held_on=days(0), findings="Weer blauwe plekken.", signals_continue=True
        ),
        permission="decide_case",
    )
    links = next_actions(user=cast_a.af, case=fresh(case))
    assert links[0]["key"] == "report"
    assert links[0]["label"] == label


def test_report_after_all_from_monitoring_after_an_earlier_report_needs_what_is_new(cast_a):
    case = case_at(cast_a, "vt_involved")
    case = start_monitoring(cast_a, case)
    before = snapshot(case)
    with pytest.raises(ValidationError):
        services.case_report(user=cast_a.af, case=case, report=vt_report(), expected_state="monitoring")
    assert snapshot(case) == before
    services.case_report(user=cast_a.af, case=case, report=vt_report(what_is_new=NEW), expected_state="monitoring")
    assert fresh(case).state == "reported"


# --- Veilig Thuis: "not confirmed" with a rappel (domain.md §9.4) ------------------------------------------------


@pytest.mark.parametrize(
    "conclusion,allowed",
    [("not_confirmed", True), ("confirmed", False), ("refuted", False), ("", False)],
)
def test_a_rappel_belongs_to_not_confirmed(cast_a, conclusion, allowed):
    case = case_at(cast_a, "vt_involved")
    before = snapshot(case)
    outcome = vt_outcome(decision="end", conclusion=conclusion, rappel_on=days(60))
    if allowed:
        services.vt_outcome_record(user=cast_a.af, case=case, outcome=outcome, expected_state="vt_involved")
        assert VeiligThuisOutcome.objects.filter(case=case, rappel_on=days(60)).exists()
    else:
        with pytest.raises(ValidationError) as exc:
            services.vt_outcome_record(user=cast_a.af, case=case, outcome=outcome, expected_state="vt_involved")
        assert (
            t("A rappel belongs to the conclusion 'not confirmed': choose that conclusion first.") in exc.value.messages
        )
        assert snapshot(case) == before


def test_the_rappel_is_a_deadline_on_the_case_page_and_in_the_stored_next_due_date(cast_a, client_for):
    """Recorded through the service, the rappel is due on its date (a reminder a week before): on the case page in
    Dutch, and as the case's stored next due date (the start pages' order) when it is the soonest."""
    from cases import deadlines

    case = case_at(cast_a, "vt_involved")
    outcome = vt_outcome(decision="end", conclusion="not_confirmed", rappel_on=days(60))
    services.vt_outcome_record(user=cast_a.af, case=case, outcome=outcome, expected_state="vt_involved")
    page = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    (rappel,) = [d for d in page.context["case"].deadlines if d.kind == deadlines.VT_RAPPEL]
    assert rappel.due == days(60)
    assert [on for _key, on in rappel.reminders] == [days(53), days(60)]
    assert escape(t("Veilig Thuis checks back (rappel): have at hand what the school has seen since")) in (
        page.content.decode()
    )
    assert Case.objects.get(pk=case.pk).next_due == min(d.due for d in page.context["case"].deadlines)


# --- Closing reasons that fit the path (finding 8) -------------------------------------------------------------


def _weighing_a(cast):
    return weigh(cast.af, case_at(cast, "weighing"), "A")


def _monitoring_after_help(cast):
    case = case_at(cast, "weighing")
    case = start_help(cast, case)
    from tests.cases.test_decision import mark_all_tasks_done

    mark_all_tasks_done(cast.af, case)
    case = evaluate(cast, fresh(case), reached=True)
    return start_monitoring(cast, case)


def _vt_involved(cast, **outcome):
    case = case_at(cast, "reported")
    return services.vt_outcome_record(user=cast.af, case=case, outcome=vt_outcome(**outcome), expected_state="reported")


def _route_b_done(cast):
    from tests.cases.test_decision import _route_b_at_inspector, police_decision

    case = _route_b_at_inspector(cast)
    return services.route_b_police_decision(
        user=cast.af, case=case, decision_record=police_decision(), expected_state="inspector_consulted"
    )


PATHS = {
    "weighing_a": _weighing_a,
    "after_help": _monitoring_after_help,
    "vt_investigating": lambda cast: _vt_involved(cast, decision="investigation"),
    "vt_refuted": lambda cast: _vt_involved(cast, decision="end", conclusion="refuted"),
    "vt_not_confirmed": lambda cast: _vt_involved(cast, decision="end", conclusion="not_confirmed"),
    "route_b": _route_b_done,
}

R = Closure.ReasonCode
CLOSING = [
    # (path, reason, the refusal's msgid or None when it fits)
    ("weighing_a", R.NO_ACTION, None),
    (
        "weighing_a",
        R.HELP_COMPLETED,
        "After question 1 = A the case is closed as 'no action needed (question 1 = A)': no help, report or staff "
        "route has taken place.",
    ),
    (
        "weighing_a",
        R.OTHER,
        "After question 1 = A the case is closed as 'no action needed (question 1 = A)': no help, report or staff "
        "route has taken place.",
    ),
    ("after_help", R.HELP_COMPLETED, None),
    ("after_help", R.PUPIL_LEFT, None),
    (
        "after_help",
        R.NO_ACTION,
        "'No action needed' is only possible in the weighing, when question 1 is answered with A.",
    ),
    (
        "after_help",
        R.VT_TOOK_OVER,
        "'Veilig Thuis took over' is only possible when Veilig Thuis decided to stay involved (its decision is "
        "recorded, and it is not the end of its involvement).",
    ),
    ("after_help", R.ROUTE_B_DONE, "'Staff route completed' is only for a case on the staff route (route B)."),
    ("vt_investigating", R.VT_TOOK_OVER, None),
    (
        "vt_investigating",
        R.HELP_COMPLETED,
        "'Help completed' is only possible after help that reached its agreed result (question 5 = yes).",
    ),
    (
        "vt_investigating",
        R.REFUTED,
        "'Refuted' is only possible when Veilig Thuis concluded that the suspicion is refuted.",
    ),
    ("vt_refuted", R.REFUTED, None),
    (
        "vt_refuted",
        R.NOT_CONFIRMED,
        "'Not confirmed' is only possible when Veilig Thuis concluded that the suspicion is not confirmed.",
    ),
    ("vt_not_confirmed", R.NOT_CONFIRMED, None),
    ("vt_not_confirmed", R.OTHER, None),
    ("route_b", R.ROUTE_B_DONE, None),
    (
        "route_b",
        R.HELP_COMPLETED,
        "On the staff route (route B) the reason is 'staff route completed', or another one.",
    ),
]


@pytest.mark.parametrize("path,reason,refusal", CLOSING, ids=[f"{p}-{r}" for p, r, _x in CLOSING])
def test_closing_reasons_fit_the_path_through_the_service(cast_a, path, reason, refusal):
    case = PATHS[path](cast_a)
    state = fresh(case).state
    before = snapshot(case)
    if refusal is None:
        services.case_close(user=cast_a.af, case=case, closure=closure(reason_code=reason), expected_state=state)
        case = fresh(case)
        assert case.state == "closed" and case.closing_reason_code == reason
    else:
        with pytest.raises(services.TransitionBlockedError) as exc:
            services.case_close(user=cast_a.af, case=case, closure=closure(reason_code=reason), expected_state=state)
        assert t(refusal) in exc.value.reasons
        assert snapshot(case) == before


@pytest.mark.parametrize("path,reason,refusal", CLOSING, ids=[f"{p}-{r}" for p, r, _x in CLOSING])
def test_closing_reasons_fit_the_path_through_the_view(cast_a, client_for, path, reason, refusal):
    case = PATHS[path](cast_a)
    state = fresh(case).state
    before = snapshot(case)
    client = client_for(cast_a.af)
    page = client.get(action_url(case, "close"))
    offered = [value for value, _label in page.context["form"].fields["reason_code"].choices]
    assert (reason in offered) == (refusal is None)
    data = {"expected_state": state, "reason_code": reason, "text": "Afgesloten.", "parents_told": "on"}
    response = client.post(action_url(case, "close"), {**data, "bevestigd": "1"})
    if refusal is None:
        assert response.status_code == 302
        assert fresh(case).state == "closed"
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["reason_code"] == [t(refusal)]
        assert escape(t(refusal)) in response.content.decode()
        assert snapshot(case) == before


# --- The confirmation page (finding 4) ----------------------------------------------------------------------------


def test_closing_asks_for_confirmation_and_going_back_keeps_the_input(cast_a, client_for):
    case = _weighing_a(cast_a)
    before = snapshot(case)
    client = client_for(cast_a.af)
    data = {"expected_state": "weighing", "reason_code": "no_action", "text": "Geen zorgen meer.", "parents_told": "on"}
    page = client.post(action_url(case, "close"), data)
    html = page.content.decode()
    assert page.status_code == 200
    closed = "The case is closed: afterwards it can only be read. Only a new signal reopens it. This cannot be undone."
    assert escape(t(closed)) in html
    assert 'name="text" value="Geen zorgen meer."' in html and 'name="bevestigd"' in html
    assert snapshot(case) == before  # nothing stored yet
    back = client.post(action_url(case, "close"), {**data, "terug": "1"})
    assert back.status_code == 200 and "Geen zorgen meer." in back.content.decode()
    assert back.context["form"]["text"].value() == "Geen zorgen meer."
    assert snapshot(case) == before
    done = client.post(action_url(case, "close"), {**data, "bevestigd": "1"})
    assert done.status_code == 302 and fresh(case).state == "closed"


def test_an_additional_report_asks_for_confirmation_through_the_view(cast_a, client_for):
    case = case_at(cast_a, "vt_involved")
    before = snapshot(case)
    client = client_for(cast_a.af)
    data = {"expected_state": "vt_involved", **report_post(what_is_new=NEW)}
    page = client.post(action_url(case, "report-again"), data)
    html = page.content.decode()
    assert page.status_code == 200 and escape(NEW) in html
    assert (
        escape(
            t(
                "The report is stored in the chronology with your name and the moment. It cannot be undone or deleted: "
                "a mistake can only be corrected with a new record."
            )
        )
        in html
    )
    assert snapshot(case) == before
    done = client.post(action_url(case, "report-again"), {**data, "bevestigd": "1"})
    assert done.status_code == 302 and fresh(case).state == "reported"


def test_an_additional_report_without_what_is_new_re_renders_the_form(cast_a, client_for):
    case = case_at(cast_a, "vt_involved")
    before = snapshot(case)
    data = {"expected_state": "vt_involved", **report_post(direct_cause="Mijn eigen woorden")}
    response = client_for(cast_a.af).post(action_url(case, "report-again"), data)
    assert response.status_code == 200 and "what_is_new" in response.context["form"].errors
    assert "Mijn eigen woorden" in response.content.decode()
    assert snapshot(case) == before


# --- Parental authority (finding 9, domain.md §9.6) --------------------------------------------------------------


def _with_parents(cast, *, second_authority=True, other=False):
    pupil = factories.PupilFactory(class_group=cast.group1)
    mother = factories.GuardianFactory(pupil=pupil, name="Moeder Proef", relation="mother")
    father = factories.GuardianFactory(
        pupil=pupil, name="Vader Proef", relation="father", has_parental_authority=second_authority
    )
    case = weigh(cast.af, case_at(cast, "weighing", pupil=pupil), "B", "yes")
    return case, mother, father


def test_both_parents_with_authority_told(cast_a):
    case, mother, father = _with_parents(cast_a)
    services.case_report(
        user=cast_a.af, case=case, report=vt_report(), expected_state="weighing", informed=[mother, father]
    )
    assert set(ReportInformedParent.objects.values_list("guardian__name", flat=True)) == {"Moeder Proef", "Vader Proef"}


def test_one_parent_with_authority_not_told_needs_the_reason(cast_a):
    case, mother, father = _with_parents(cast_a)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_report(
            user=cast_a.af, case=case, report=vt_report(), expected_state="weighing", informed=[mother]
        )
    assert exc.value.messages == [
        t(
            "Both parents with parental authority are told before a report, unless that endangers someone. Say why "
            "%(names)s was not told.",
            names="Vader Proef",
        )
    ]
    assert snapshot(case) == before and not ReportInformedParent.objects.exists()
    report = vt_report(not_all_informed_reason="Vader is dreigend; de moeder zit in de opvang.")
    services.case_report(user=cast_a.af, case=case, report=report, expected_state="weighing", informed=[mother])
    assert fresh(case).state == "reported"


def test_a_parent_without_authority_is_not_among_those_told(cast_a):
    case, mother, father = _with_parents(cast_a, second_authority=False)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_report(
            user=cast_a.af, case=case, report=vt_report(), expected_state="weighing", informed=[mother, father]
        )
    assert exc.value.messages == [
        t(
            "%(name)s has no parental authority over a pupil of this case: before a report the parents with "
            "parental authority are told. A parent without authority has a right to information only on request, "
            "within limits.",
            name="Vader Proef",
        )
    ]
    assert snapshot(case) == before
    # The mother alone is every parent with authority: no reason needed.
    services.case_report(user=cast_a.af, case=case, report=vt_report(), expected_state="weighing", informed=[mother])
    assert fresh(case).state == "reported"


def test_parents_told_but_none_named_is_refused(cast_a):
    case, _mother, _father = _with_parents(cast_a)
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        services.case_report(user=cast_a.af, case=case, report=vt_report(), expected_state="weighing")
    assert exc.value.messages == [t("Say which parents with parental authority were told about the report.")]
    assert snapshot(case) == before


def test_the_report_form_offers_only_parents_with_authority(cast_a, client_for):
    case, mother, father = _with_parents(cast_a, second_authority=False)
    client = client_for(cast_a.af)
    page = client.get(action_url(case, "report"))
    offered = list(page.context["form"].fields["informed_guardians"].queryset)
    assert offered == [mother]
    data = {
        "expected_state": "weighing",
        "bevestigd": "1",
        **report_post(not_informed_reason=None, parents_informed="on", parents_informed_on=days(-1).isoformat()),
        "informed_guardians": [str(father.pk)],
    }
    before = snapshot(case)
    response = client.post(action_url(case, "report"), data)
    assert response.status_code == 200 and "informed_guardians" in response.context["form"].errors
    assert snapshot(case) == before
    response = client.post(action_url(case, "report"), {**data, "informed_guardians": [str(mother.pk)]})
    assert response.status_code == 302 and fresh(case).state == "reported"
    assert list(ReportInformedParent.objects.values_list("guardian", flat=True)) == [mother.pk]


@pytest.mark.parametrize(
    "kind,authority,allowed",
    [
        ("copy", True, True),
        ("inspection", True, True),
        ("copy", False, False),
        ("inspection", False, False),
        ("correction", False, False),
        ("information", False, True),
    ],
)
def test_only_a_parent_with_authority_may_ask_for_the_file(cast_a, client_for, kind, authority, allowed):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    parent = factories.GuardianFactory(pupil=pupil, name="Ouder Proef", has_parental_authority=authority)
    case = case_at(cast_a, "signalling", pupil=pupil)
    before = snapshot(case)
    data = {"kind": kind, "received_on": days(0).isoformat(), "requester": str(parent.pk), "details": "Graag."}
    response = client_for(cast_a.af).post(reverse("dossier:access-request-add", kwargs={"pk": case.pk}), data)
    if allowed:
        assert response.status_code == 302
        assert AccessRequest.objects.filter(case=case, kind=kind, requester=parent).exists()
    else:
        assert response.status_code == 200
        message = t(
            "%(name)s has no parental authority: only a parent or carer with parental authority may see the file or "
            "receive an extract or a copy of it. A parent without authority may ask for information about the child: "
            "record it as a request for information.",
            name="Ouder Proef",
        )
        assert response.context["form"].errors["requester"] == [message]
        assert snapshot(case) == before
