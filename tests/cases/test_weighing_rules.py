"""Help only as the weighing allows, corrections in the weighing and of the help plan, and consent to share (issue 17
items 3 and 4; domain.md §9.5 and §9.7): each rule allowed and refused, through the services and through the views,
with the Dutch reason, and the case unchanged on a refusal."""

import contextlib
import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cases import deadlines, decision, selectors, services
from cases import permissions as perms
from cases.models import Case, CaseState, Consultation, HelpEvaluation, HelpPlan, HelpTask, WeighingAnswer
from schools.models import PartnerKind, SocialMapEntry
from tests import factories
from tests.cases.test_decision import (
    case_at,
    days,
    evaluate,
    evaluation,
    fresh,
    help_plan,
    help_tasks,
    start_help,
    weigh,
)
from tests.cases.test_guards import nl, snapshot
from tests.cases.test_views_decisions import action_url, detail_url, help_plan_data, iso, weighing_url

PARENTS_DO_NOT_ACCEPT = (
    "Question 4 = yes means that the parents accept the help. If they do not accept it, or only partly, the answer "
    "to question 4 is no and the way is a report to Veilig Thuis: correct the answer to question 4 in the weighing."
)
EARLY_EVALUATION = (
    "The agreed evaluation date of the help plan is %(date)s. Before that date question 5 is answered only with a "
    "reason: say why the help is evaluated now."
)
CORRECTION_NEEDS_REASON = "Say why the earlier answer is corrected."
ONLY_IN_WEIGHING = "An answer of the weighing can be corrected only while the case is in step 4."
ALREADY_CORRECTED = "This entry has already been corrected; correct the newest version."
PLAN_NEEDS_REASON = "Say what was wrong in the earlier version of the help plan."
PLAN_WITHDRAWN = (
    "If the parents no longer accept the help, do not correct the plan: evaluate the help now, with that reason "
    "(question 5 = no). The way is then a report to Veilig Thuis."
)
PLAN_ONLY_IN_HELP = "The help plan can be corrected only while the help runs (before its evaluation)."
EVALUATE_NEWEST = "This help plan has been corrected: evaluate its newest version."
NAMED_WITHOUT_CONSENT = (
    "Only Veilig Thuis may be consulted about a named child without the parents' consent (meldrecht). Consult this "
    "partner anonymously, or ask the parents for their consent first."
)
NOT_INTERNAL = (
    "This consultation was held with someone outside the school: say whether the child was named anonymously or "
    "with the parents' consent."
)
SAY_HOW_SHARED = "Say whether the child was named, and if so whether the parents consented."


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def unchanged():
    """``with unchanged(case): ...`` — the block must leave the case and its records exactly as they were."""

    class Check:
        def __init__(self, case):
            self.case = case

        def __enter__(self):
            self.before = snapshot(self.case)
            return self

        def __exit__(self, *exc_info):
            assert snapshot(self.case) == self.before
            return False

    return Check


def deadline_kinds(case) -> list[str]:
    loaded = Case.objects.select_related("school", "owner").get(pk=case.pk)
    return [d.kind for d in deadlines.attach([loaded])[0].deadlines]


def messages_of(exc: ValidationError, field: str | None = None) -> list[str]:
    if field is None:
        return [str(m) for m in exc.messages]
    return [str(m) for m in exc.message_dict[field]]


def at_q4_yes(cast) -> Case:
    return weigh(cast.af, case_at(cast, "weighing"), "B", "no", "yes", "yes")


# --- 1. The parents' acceptance when question 4 = yes (§9.5) -----------------------------------------------------


@pytest.mark.parametrize("accept,allowed", [("yes", True), ("partly", False), ("no", False)])
def test_a_help_plan_needs_the_parents_acceptance(cast_a, unchanged, accept, allowed):
    case = at_q4_yes(cast_a)
    plan = help_plan(cast_a.ib, parents_accept=accept)
    if allowed:
        case = services.help_plan_start(
            user=cast_a.af, case=case, plan=plan, tasks=help_tasks(), expected_state="weighing"
        )
        assert fresh(case).state == CaseState.HELP
        assert HelpPlan.objects.get(case=case).parents_accept == "yes"
        return
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.help_plan_start(user=cast_a.af, case=case, plan=plan, tasks=help_tasks(), expected_state="weighing")
    assert messages_of(exc.value, "parents_accept") == [nl(PARENTS_DO_NOT_ACCEPT)]
    assert not HelpPlan.objects.filter(case=case).exists()


@pytest.mark.parametrize("accept,status", [("yes", 302), ("partly", 200), ("no", 200)])
def test_the_help_plan_form_refuses_help_the_parents_do_not_accept(cast_a, client_for, accept, status):
    case = at_q4_yes(cast_a)
    response = client_for(cast_a.af).post(action_url(case, "help"), help_plan_data(cast_a, case, parents_accept=accept))
    assert response.status_code == status
    if status == 302:
        assert fresh(case).state == CaseState.HELP
    else:
        assert response.context["form"].errors["parents_accept"] == [nl(PARENTS_DO_NOT_ACCEPT)]
        assert response.context["form"]["parents_accept"].value() == accept  # the input is kept
        assert fresh(case).state == CaseState.WEIGHING and not HelpPlan.objects.filter(case=case).exists()


# --- 2. Question 5 not before the agreed evaluation date, unless the reason is recorded (§9.5) -------------------


@pytest.mark.parametrize(
    "when,reason,allowed",
    [
        ("the day the help started", "", False),
        ("the day the help started", "De ouders trekken zich terug; de zorgen nemen toe.", True),
        ("the evaluation date", "", True),
        ("after the evaluation date", "", True),
    ],
)
def test_question_5_waits_for_the_evaluation_date(cast_a, unchanged, when, reason, allowed):
    case = start_help(cast_a, case_at(cast_a, "weighing"))
    plan = HelpPlan.objects.get(case=case)
    day = {
        "the day the help started": timezone.localdate(),
        "the evaluation date": plan.evaluation_on,
        "after the evaluation date": plan.evaluation_on + datetime.timedelta(days=3),
    }[when]
    # On a later day at noon; today as it is (noon today can lie before the help plan was recorded, and an evaluation
    # recorded before its plan does not count).
    later = day != timezone.localdate()
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False) if later else contextlib.nullcontext():
        entry = HelpEvaluation(plan=plan, evaluated_on=day, result_reached=False, findings="Niet bereikt.")
        entry.early_reason = reason
        if allowed:
            services.help_evaluate(user=cast_a.af, case=case, evaluation=entry, expected_state="help")
            assert fresh(case).state == CaseState.EVALUATING
            assert fresh(case).weighing_position().outcome == decision.REPORT
            return
        with unchanged(case), pytest.raises(ValidationError) as exc:
            services.help_evaluate(user=cast_a.af, case=case, evaluation=entry, expected_state="help")
    expected = nl(EARLY_EVALUATION) % {"date": date_format(plan.evaluation_on, "j F Y")}
    assert messages_of(exc.value, "early_reason") == [expected]
    assert not HelpEvaluation.objects.filter(case=case).exists()
    assert not WeighingAnswer.objects.filter(case=case, question=5).exists()


@pytest.mark.parametrize("reason,status", [("", 200), ("De situatie is verslechterd.", 302)])
def test_the_evaluation_form_asks_the_reason_before_the_evaluation_date(cast_a, client_for, reason, status):
    case = start_help(cast_a, case_at(cast_a, "weighing"))
    plan = HelpPlan.objects.get(case=case)
    data = {
        "expected_state": "help",
        "plan": str(plan.pk),
        "evaluated_on": iso(days(0)),
        "findings": "Niet bereikt.",
        "early_reason": reason,
    }
    response = client_for(cast_a.af).post(action_url(case, "evaluation"), data)
    assert response.status_code == status
    if status == 200:
        assert "early_reason" in response.context["form"].errors
        assert response.context["form"]["findings"].value() == "Niet bereikt."
        assert fresh(case).state == CaseState.HELP and not HelpEvaluation.objects.filter(case=case).exists()
    else:
        assert fresh(case).state == CaseState.EVALUATING
        assert HelpEvaluation.objects.get(case=case).early_reason == reason


# --- 3. Corrections in the weighing ------------------------------------------------------------------------------


def correction(question: int, value: str, reason: str = "Verkeerd aangeklikt.", **extra) -> WeighingAnswer:
    return WeighingAnswer(
        question=question, answer=value, justification="Na overleg opnieuw gewogen.", correction_reason=reason, **extra
    )


@pytest.mark.parametrize(
    "answers,question,corrected,outcome",
    [
        (("B", "no", "yes", "yes"), 4, "no", decision.REPORT),  # help → report
        (("B", "no", "yes", "yes"), 2, "yes", decision.REPORT),  # help → report at once
        (("B", "yes"), 2, "no", None),  # report → question 3 next
        (("A",), 1, "B", None),  # close → question 2 next
        (("B", "no", "no"), 3, "yes", None),  # report → question 4 next
    ],
)
def test_a_correction_recomputes_the_position_and_keeps_both_answers(cast_a, answers, question, corrected, outcome):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), *answers)
    old = WeighingAnswer.objects.get(case=case, question=question)
    extra = {"board_informed_on": days(-1)} if corrected == "B" else {}
    services.weighing_answer_correct(
        user=cast_a.af, case=case, corrects=old, answer=correction(question, corrected, **extra)
    )
    new = WeighingAnswer.objects.get(case=case, corrects=old)
    assert (new.question, new.answer, new.correction_reason) == (question, corrected, "Verkeerd aangeklikt.")
    assert WeighingAnswer.objects.filter(pk=old.pk, answer=old.answer).exists()  # the earlier answer stays
    assert fresh(case).weighing_answers()[question] == corrected
    position = fresh(case).weighing_position()
    assert position.outcome == outcome
    if outcome is None:
        assert position.next_question == question + 1


def test_the_deadlines_read_the_corrected_answer(cast_a):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    assert deadlines.REPORT_TODAY not in deadline_kinds(case)
    old = WeighingAnswer.objects.get(case=case, question=2)
    services.weighing_answer_correct(user=cast_a.af, case=case, corrects=old, answer=correction(2, "doubt"))
    assert deadlines.REPORT_TODAY in deadline_kinds(case)


REFUSALS = [
    ("no reason", lambda cast, case, old: (cast.af, old, correction(old.question, "no", reason=""))),
    ("not the weighing's user", lambda cast, case, old: (cast.ib, old, correction(old.question, "no"))),
    ("a teacher", lambda cast, case, old: (cast.teacher, old, correction(old.question, "no"))),
]


@pytest.mark.parametrize("name", [r[0] for r in REFUSALS])
def test_a_correction_is_refused(cast_a, unchanged, name):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    old = WeighingAnswer.objects.get(case=case, question=4)
    user, corrects, answer = dict(REFUSALS)[name](cast_a, case, old)
    with unchanged(case), pytest.raises((ValidationError, PermissionDenied)) as exc:
        services.weighing_answer_correct(user=user, case=case, corrects=corrects, answer=answer)
    if name == "no reason":
        assert messages_of(exc.value, "correction_reason") == [nl(CORRECTION_NEEDS_REASON)]
    else:
        assert exc.type is PermissionDenied
    assert fresh(case).weighing_position().outcome == decision.HELP


def test_a_corrected_answer_cannot_be_corrected_again(cast_a, unchanged):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    old = WeighingAnswer.objects.get(case=case, question=4)
    services.weighing_answer_correct(user=cast_a.af, case=case, corrects=old, answer=correction(4, "no"))
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.weighing_answer_correct(user=cast_a.af, case=case, corrects=old, answer=correction(4, "yes"))
    assert messages_of(exc.value) == [nl(ALREADY_CORRECTED)]


def test_an_answer_is_corrected_only_while_the_case_is_in_weighing(cast_a, unchanged):
    case = start_help(cast_a, case_at(cast_a, "weighing"))
    old = WeighingAnswer.objects.get(case=case, question=4)
    with unchanged(case), pytest.raises(services.NotNowError) as exc:
        services.weighing_answer_correct(user=cast_a.af, case=case, corrects=old, answer=correction(4, "no"))
    assert str(exc.value) == nl(ONLY_IN_WEIGHING)


def test_an_answer_of_another_case_is_refused(cast_a, unchanged):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no")
    other = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no")
    with unchanged(case), pytest.raises(PermissionDenied):
        services.weighing_answer_correct(
            user=cast_a.af, case=case, corrects=other.weighinganswers.get(question=2), answer=correction(2, "yes")
        )


def test_the_weighing_page_corrects_an_answer(cast_a, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    old = WeighingAnswer.objects.get(case=case, question=4)
    client = client_for(cast_a.af)
    page = client.get(weighing_url(case))
    assert f"?corrigeert={old.pk}" in page.content.decode()
    form_page = client.get(f"{weighing_url(case)}?corrigeert={old.pk}")
    assert form_page.status_code == 200 and form_page.context["question"] == 4
    assert form_page.context["form"]["answer"].value() == "yes"  # starts with the earlier answer

    data = {"corrigeert": old.pk, "question": 4, "answer": "no", "justification": "Ouders weigeren de hulp."}
    refused = client.post(weighing_url(case), {**data, "correction_reason": ""})
    assert refused.status_code == 200 and "correction_reason" in refused.context["form"].errors
    assert refused.context["form"]["justification"].value() == "Ouders weigeren de hulp."
    assert not WeighingAnswer.objects.filter(corrects=old).exists()

    done = client.post(weighing_url(case), {**data, "correction_reason": "De ouders weigerden al in het gesprek."})
    assert done.status_code == 302 and done.url == weighing_url(case)
    assert WeighingAnswer.objects.get(corrects=old).answer == "no"
    page = client.get(weighing_url(case))
    assert page.context["outcome"] == decision.REPORT
    assert f"?corrigeert={old.pk}" not in page.content.decode()  # corrected: only the correction can be corrected
    assert nl("this answer no longer counts; see the correction further on.") in page.content.decode()


def test_the_weighing_correction_page_is_for_the_aandachtsfunctionaris_only(cast_a, cast_b, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no")
    old = WeighingAnswer.objects.get(case=case, question=2)
    url = f"{weighing_url(case)}?corrigeert={old.pk}"
    assert client_for(cast_a.ib).get(url).status_code == 403
    assert client_for(cast_b.af).get(url).status_code == 404
    response = client_for(cast_a.ib).post(url, {"corrigeert": old.pk, "question": 2, "answer": "yes"})
    assert response.status_code == 403 and not WeighingAnswer.objects.filter(corrects=old).exists()


# --- 4. Corrections of the help plan ------------------------------------------------------------------------------


def test_a_help_plan_is_corrected_by_a_new_version(cast_a):
    case = start_help(cast_a, case_at(cast_a, "weighing"), tasks=2)
    old = HelpPlan.objects.get(case=case)
    new = help_plan(cast_a.ib, evaluation_on=days(45), correction_reason="Evaluatiedatum verkeerd overgenomen.")
    services.help_plan_correct(user=cast_a.af, case=case, corrects=old, plan=new, tasks=help_tasks(1))
    assert HelpPlan.objects.filter(case=case).count() == 2
    assert new.corrects_id == old.pk and new.evaluation_on == days(45)
    assert HelpTask.objects.filter(plan=old).count() == 2 and HelpTask.objects.filter(plan=new).count() == 1
    assert list(selectors.case_help_plans(case=case)) == [new]
    found = deadlines.attach([Case.objects.select_related("school", "owner").get(pk=case.pk)])[0].deadlines
    assert days(45) in [d.due for d in found]
    # The earlier version is not evaluated; the new one is, at its own date.
    with pytest.raises(ValidationError) as exc:
        services.help_evaluate(
            user=cast_a.af, case=case, evaluation=evaluation(case, True, plan=old), expected_state="help"
        )
    assert messages_of(exc.value, "plan") == [nl(EVALUATE_NEWEST)]


@pytest.mark.parametrize(
    "name,overrides,message,field",
    [
        ("no reason", {"correction_reason": ""}, PLAN_NEEDS_REASON, "correction_reason"),
        (
            "parents withdrew",
            {"parents_accept": "no", "correction_reason": "Ouders stoppen."},
            PLAN_WITHDRAWN,
            "parents_accept",
        ),
    ],
)
def test_a_help_plan_correction_is_refused(cast_a, unchanged, name, overrides, message, field):
    case = start_help(cast_a, case_at(cast_a, "weighing"))
    old = HelpPlan.objects.get(case=case)
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.help_plan_correct(user=cast_a.af, case=case, corrects=old, plan=help_plan(cast_a.ib, **overrides))
    assert messages_of(exc.value, field) == [nl(message)]
    assert HelpPlan.objects.filter(case=case).count() == 1


def test_a_help_plan_is_corrected_only_while_the_help_runs(cast_a, unchanged):
    case = evaluate(cast_a, start_help(cast_a, case_at(cast_a, "weighing")), reached=True)
    old = HelpPlan.objects.get(case=case)
    with unchanged(case), pytest.raises(services.NotNowError) as exc:
        services.help_plan_correct(
            user=cast_a.af, case=case, corrects=old, plan=help_plan(cast_a.ib, correction_reason="Te laat.")
        )
    assert str(exc.value) == nl(PLAN_ONLY_IN_HELP)


def test_the_help_plan_correction_page(cast_a, client_for):
    case = start_help(cast_a, case_at(cast_a, "weighing"))
    old = HelpPlan.objects.get(case=case)
    url = reverse("cases:help-plan-correct", kwargs={"pk": case.pk, "plan_id": old.pk})
    client = client_for(cast_a.af)
    assert url in client.get(detail_url(case)).content.decode()  # the "Correct" link on the help plan
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"]["roles"].value() == old.roles
    data = {**help_plan_data(cast_a, case), "evaluation_on": iso(days(60))}
    refused = client.post(url, {**data, "correction_reason": ""})
    assert refused.status_code == 200 and "correction_reason" in refused.context["form"].errors
    assert HelpPlan.objects.filter(case=case).count() == 1
    refused = client.post(url, {**data, "parents_accept": "no", "correction_reason": "Ouders stoppen."})
    assert refused.status_code == 200 and refused.context["form"].errors["parents_accept"] == [nl(PLAN_WITHDRAWN)]
    assert HelpPlan.objects.filter(case=case).count() == 1
    done = client.post(url, {**data, "correction_reason": "Datum verkeerd."})
    assert done.status_code == 302
    new = HelpPlan.objects.get(corrects=old)
    assert (new.evaluation_on, new.correction_reason) == (days(60), "Datum verkeerd.")
    assert fresh(case).state == CaseState.HELP
    assert client.get(url).context["not_now"]  # corrected already: correct the newest version


# --- 5. Consent to share (§9.7) -----------------------------------------------------------------------------------


def partner(school, kind: str) -> SocialMapEntry:
    return SocialMapEntry.objects.create(school=school, kind=kind, organisation=f"Partner {kind}", phone="0800-2000")


@pytest.mark.parametrize(
    "kind,partner_kind,organisation,sharing,message",
    [
        ("colleague", None, "", "internal", None),
        ("cvb", None, "", "internal", None),
        ("school_doctor", None, "GGD", "anonymous", None),
        ("school_doctor", None, "GGD", "consent", None),
        ("school_doctor", None, "GGD", "meldrecht", NAMED_WITHOUT_CONSENT),
        ("school_doctor", None, "GGD", "internal", NOT_INTERNAL),
        ("case_meeting", PartnerKind.LOCAL_TEAM, "", "meldrecht", NAMED_WITHOUT_CONSENT),
        ("case_meeting", PartnerKind.LOCAL_TEAM, "", "consent", None),
        ("colleague", PartnerKind.LOCAL_TEAM, "", "internal", NOT_INTERNAL),
        ("injury", PartnerKind.VEILIG_THUIS, "", "meldrecht", None),
        ("colleague", None, "", "", SAY_HOW_SHARED),
    ],
)
def test_consent_to_share_in_a_consultation(cast_a, unchanged, kind, partner_kind, organisation, sharing, message):
    case = case_at(cast_a, "consulting")
    data = {
        "kind": kind,
        "held_on": days(-1),
        "participants": "IB'er",
        "organisation": organisation,
        "question": "Hoe verder?",
        "advice": "Advies.",
        "sharing": sharing,
        "partner": partner(cast_a.school, partner_kind) if partner_kind else None,
    }
    if message is None:
        services.entry_record(user=cast_a.ib, case=case, entry=Consultation(**data), permission=perms.CONSULT)
        assert Consultation.objects.get(case=case).sharing == sharing
        return
    with unchanged(case), pytest.raises(ValidationError) as exc:
        services.entry_record(user=cast_a.ib, case=case, entry=Consultation(**data), permission=perms.CONSULT)
    assert messages_of(exc.value, "sharing") == [nl(message)]


@pytest.mark.parametrize("sharing,status", [("meldrecht", 200), ("anonymous", 302)])
def test_the_consultation_form_refuses_a_named_child_without_consent(cast_a, client_for, sharing, status):
    case = case_at(cast_a, "consulting")
    data = {
        "kind": "school_doctor",
        "held_on": iso(days(-1)),
        "participants": "IB'er, jeugdarts",
        "organisation": "GGD",
        "question": "Past dit bij de groei?",
        "advice": "Afspraak bij de jeugdarts.",
        "sharing": sharing,
        "acties-TOTAL_FORMS": "0",
        "acties-INITIAL_FORMS": "0",
    }
    response = client_for(cast_a.ib).post(reverse("cases:consultation-add", kwargs={"pk": case.pk}), data)
    assert response.status_code == status
    if status == 200:
        assert response.context["form"].errors["sharing"] == [nl(NAMED_WITHOUT_CONSENT)]
        assert response.context["form"]["advice"].value() == "Afspraak bij de jeugdarts."
        assert not Consultation.objects.filter(case=case).exists()
    else:
        assert Consultation.objects.get(case=case).sharing == "anonymous"
        page = client_for(cast_a.ib).get(detail_url(case)).content.decode()
        assert nl("anonymously: the child and the family were not named") in page


# --- 6. The beroepsgeheim and the meldrecht where the report is made --------------------------------------------


@pytest.mark.parametrize("action", ["report", "emergency"])
def test_the_report_form_explains_the_beroepsgeheim_and_the_meldrecht(cast_a, client_for, action):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    page = client_for(cast_a.af).get(action_url(case, action)).content.decode()
    assert nl("Duty of confidentiality and the right to report") in page
    assert "beroepsgeheim" in page and "meldrecht" in page


def test_factories_record_how_the_child_was_discussed(cast_a):
    case = case_at(cast_a, "consulting")
    assert factories.add_consultation(cast_a.ib, case).sharing == "internal"


def test_the_weighing_page_offers_no_correction_outside_step_4(cast_a, client_for):
    case = start_help(cast_a, case_at(cast_a, "weighing"))
    old = WeighingAnswer.objects.get(case=case, question=4)
    client = client_for(cast_a.af)
    assert "?corrigeert=" not in client.get(weighing_url(case)).content.decode()
    data = {"corrigeert": old.pk, "question": 4, "answer": "no", "justification": "x", "correction_reason": "y"}
    response = client.post(f"{weighing_url(case)}?corrigeert={old.pk}", data)
    assert response.status_code == 302
    assert not WeighingAnswer.objects.filter(corrects=old).exists() and fresh(case).state == CaseState.HELP
