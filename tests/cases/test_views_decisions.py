"""Steps 4-5 and route B through the HTTP views: the guided weighing, the forms that move a case on, the
permission matrix of every new URL, and the aandachtsfunctionaris's start page."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.text import capfirst

from cases import permissions as perms
from cases import services
from cases.models import (
    EmergencyProposal,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    TaskDone,
    VeiligThuisOutcome,
    WeighingAnswer,
)
from cases.views_decisions import Q2_DEFINITIONS
from tests import factories
from tests.cases.test_decision import (
    _route_b_at_inspector,
    case_at,
    days,
    fresh,
    route_b_case,
    weigh,
)
from tests.cases.test_guards import CASE_CHANGED, nl, snapshot

# --- Helpers ---------------------------------------------------------------------------------------------------


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea", "option"):
            self.inputs.append({"tag": tag, **{k: (v if v is not None else "") for k, v in attrs}})


def inputs(response, **match) -> list[dict]:
    """The form controls of the page whose attributes match ``match``."""
    parser = _Inputs()
    parser.feed(response.content.decode())
    return [i for i in parser.inputs if all(i.get(k) == v for k, v in match.items())]


def checked(response, name: str) -> list[str]:
    return [i["value"] for i in inputs(response, tag="input", name=name) if "checked" in i]


def english(lazy) -> str:
    with translation.override("en"):
        return str(lazy)


def contains(response, msgid: str) -> bool:
    return escape(nl(msgid)) in response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def weighing_url(case) -> str:
    return reverse("cases:weighing", kwargs={"pk": case.pk})


def action_url(case, action: str) -> str:
    return reverse("cases:case-action", kwargs={"pk": case.pk, "action": action})


def detail_url(case) -> str:
    return reverse("cases:case-detail", kwargs={"pk": case.pk})


def iso(date) -> str:
    return date.isoformat()


Q1_LABEL = "1. Suspicion: after steps 1 to 3, is there a strong suspicion?"
Q2_LABEL = "2. Safety: is there acute and/or structural unsafety?"


# --- The guided weighing ---------------------------------------------------------------------------------------


def test_the_af_walks_the_weighing_page_to_a_help_plan(cast_a, client_for):
    case = case_at(cast_a, "weighing")
    client = client_for(cast_a.af)
    url = weighing_url(case)

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["question"] == 1
    assert contains(page, Q1_LABEL)
    assert sorted(i["value"] for i in inputs(page, tag="input", name="answer")) == ["A", "B"]
    assert inputs(page, name="board_informed_on")
    assert not contains(page, english(Q2_DEFINITIONS))

    informed = days(-2)
    response = client.post(
        url, {"question": 1, "answer": "B", "justification": "Sterk vermoeden.", "board_informed_on": iso(informed)}
    )
    assert response.status_code == 302 and response.url == url
    answer = WeighingAnswer.objects.get(case=case)
    assert (answer.question, answer.answer, answer.author, answer.board_informed_on) == (1, "B", cast_a.af, informed)
    assert fresh(case).board_informed_on == informed

    page = client.get(url)
    assert page.context["question"] == 2
    assert contains(page, Q2_LABEL)
    assert contains(page, english(Q2_DEFINITIONS))  # the definitions of acute and structural unsafety
    assert sorted(i["value"] for i in inputs(page, tag="input", name="answer")) == ["doubt", "no", "yes"]
    assert not inputs(page, name="board_informed_on")

    for question, value in [(2, "no"), (3, "yes"), (4, "yes")]:
        response = client.post(url, {"question": question, "answer": value, "justification": f"Vraag {question}."})
        assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(case).weighing_answers() == {1: "B", 2: "no", 3: "yes", 4: "yes"}

    page = client.get(url)
    assert page.context["form"] is None
    assert page.context["outcome"] == "help"
    assert action_url(case, "help") in page.content.decode()
    assert fresh(case).state == "weighing"


@pytest.mark.parametrize("answers,link", [(("A",), "close"), (("B", "doubt"), "report"), (("B", "no", "no"), "report")])
def test_the_weighing_page_points_to_the_outcome(cast_a, client_for, answers, link):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), *answers)
    page = client_for(cast_a.af).get(weighing_url(case))
    assert page.status_code == 200
    assert page.context["form"] is None
    assert action_url(case, link) in page.content.decode()


def test_an_empty_justification_re_renders_with_the_chosen_answer(cast_a, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B")
    before = snapshot(case)
    response = client_for(cast_a.af).post(weighing_url(case), {"question": 2, "answer": "doubt", "justification": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["justification"]
    assert checked(response, "answer") == ["doubt"]
    assert 'role="alert"' in response.content.decode()
    assert snapshot(case) == before


def test_q1_b_without_the_board_date_re_renders(cast_a, client_for):
    case = case_at(cast_a, "weighing")
    before = snapshot(case)
    response = client_for(cast_a.af).post(
        weighing_url(case), {"question": 1, "answer": "B", "justification": "Mijn onderbouwing 4711."}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["board_informed_on"]
    assert checked(response, "answer") == ["B"]
    assert "Mijn onderbouwing 4711." in response.content.decode()
    assert snapshot(case) == before


def test_an_answer_to_another_question_than_the_next_is_refused(cast_a, client_for):
    case = case_at(cast_a, "weighing")
    before = snapshot(case)
    response = client_for(cast_a.af).post(weighing_url(case), {"question": 3, "answer": "no", "justification": "X"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert snapshot(case) == before


def test_posting_when_there_is_no_question_changes_nothing(cast_a, client_for):
    case = case_at(cast_a, "help")
    before = snapshot(case)
    response = client_for(cast_a.af).post(weighing_url(case), {"question": 5, "answer": "yes", "justification": "X"})
    assert response.status_code == 302
    assert messages_of(response) == [nl("There is no weighing question to answer now.")]
    assert snapshot(case) == before


# --- The help plan with its tasks ------------------------------------------------------------------------------


def _management(prefix: str, total: int = 3) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def help_plan_data(cast, case, **overrides) -> dict:
    data = {
        "expected_state": fresh(case).state,
        "case_manager": str(cast.ib.pk),
        "case_manager_external": "",
        "roles": "IB'er is casemanager.",
        "measurable_result": "Vier weken op tijd op school.",
        "evaluation_on": iso(days(30)),
        "parents_accept": "yes",
        "parents_acceptance_note": "",
        **_management("taken"),
        "taken-0-who": "IB'er",
        "taken-0-what": "Aanmelden bij het wijkteam",
        "taken-0-due_on": iso(days(7)),
        "taken-1-who": "leerkracht",
        "taken-1-what": "Dagelijks welzijn noteren",
        "taken-1-due_on": iso(days(14)),
        "taken-2-who": "",
        "taken-2-what": "",
        "taken-2-due_on": "",
    }
    data.update(overrides)
    return data


def test_post_help_plan_with_task_rows(cast_a, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    client = client_for(cast_a.af)
    assert client.get(action_url(case, "help")).status_code == 200
    response = client.post(action_url(case, "help"), help_plan_data(cast_a, case))
    assert response.status_code == 302 and response.url == detail_url(case)
    assert fresh(case).state == "help"
    plan = HelpPlan.objects.get(case=case)
    assert plan.case_manager == cast_a.ib and plan.author == cast_a.af
    assert [(t.who, t.what, t.due_on) for t in plan.tasks.order_by("due_on")] == [
        ("IB'er", "Aanmelden bij het wijkteam", days(7)),
        ("leerkracht", "Dagelijks welzijn noteren", days(14)),
    ]
    # The case page lists the open tasks with a button to mark them done.
    page = client.get(detail_url(case))
    for task in plan.tasks.all():
        assert reverse("cases:task-done", kwargs={"pk": case.pk, "kind": "hulpplan", "task_id": task.pk}) in (
            page.content.decode()
        )


def test_a_teacher_is_not_offered_as_case_manager(cast_a, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    page = client_for(cast_a.af).get(action_url(case, "help"))
    offered = {o["value"] for o in inputs(page, tag="option") if o.get("value")}
    assert str(cast_a.teacher.pk) not in offered and str(cast_a.other_teacher.pk) not in offered
    assert {str(cast_a.ib.pk), str(cast_a.af.pk), str(cast_a.contact_person.pk)} <= offered
    before = snapshot(case)
    response = client_for(cast_a.af).post(
        action_url(case, "help"), help_plan_data(cast_a, case, case_manager=str(cast_a.teacher.pk))
    )
    assert response.status_code == 200
    assert response.context["form"].errors["case_manager"]
    assert snapshot(case) == before


def test_mark_a_task_done_through_the_view(cast_a, client_for):
    case = case_at(cast_a, "help")
    task = HelpTask.objects.get(plan__case=case)
    url = reverse("cases:task-done", kwargs={"pk": case.pk, "kind": "hulpplan", "task_id": task.pk})
    response = client_for(cast_a.af).post(url)
    assert response.status_code == 302 and response.url == detail_url(case)
    assert TaskDone.objects.get(help_task=task).author == cast_a.af
    again = client_for(cast_a.af).post(url)
    assert again.status_code == 302
    assert messages_of(again) == [nl("This task is already done.")]
    assert TaskDone.objects.filter(help_task=task).count() == 1


# --- Each case-action form re-renders with the user's input on errors and changes nothing ------------------------

UNIQUE = "Mijn eigen tekst 8e3f"


def _report_data(**overrides) -> dict:
    data = {
        "reported_at": timezone.localtime(timezone.now() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "vt_contact": "mevrouw De Wit",
        "relation_to_family": "Leerkracht van het kind.",
        "direct_cause": UNIQUE,
        "nature_frequency_severity": "Blauwe plekken.",
        "parents_informed": "on",
        "parents_informed_on": iso(days(-1)),
        "meldrecht_acknowledged": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _setup(cast, action):
    if action in ("close", "close-blocked"):
        return weigh(cast.af, case_at(cast, "weighing"), "A" if action == "close" else "B")
    if action == "report":
        return weigh(cast.af, case_at(cast, "weighing"), "B", "yes")
    if action == "emergency":
        return case_at(cast, "signalling")
    if action == "help":
        return weigh(cast.af, case_at(cast, "weighing"), "B", "no", "yes", "yes")
    if action == "evaluation":
        return case_at(cast, "help")
    if action == "monitoring":
        return case_at(cast, "evaluating")
    if action == "vt-outcome":
        return case_at(cast, "reported")
    if action == "inspector":
        return route_b_case(cast)  # without the board notification: the service refuses
    if action == "police":
        return _route_b_at_inspector(cast)
    raise AssertionError(action)


def _invalid_data(cast, case, action) -> dict:
    """A POST with the user's own text in it and one thing wrong (or refused by the state machine). Confirmed: a
    valid report or closing goes to the confirmation page first (``bevestigd`` is its last step)."""
    state = {"expected_state": fresh(case).state, "bevestigd": "1"}
    if action == "close":  # no reason code
        return {**state, "text": UNIQUE, "parents_told": "on"}
    if action == "close-blocked":  # a valid form, but question 1 = B: the state machine refuses
        return {**state, "reason_code": "no_action", "text": UNIQUE, "parents_told": "on"}
    if action == "report":  # meldrecht not confirmed
        return {**state, **_report_data(meldrecht_acknowledged=None)}
    if action == "emergency":  # no justification
        return {
            **state,
            **_report_data(parents_informed=None, parents_informed_on=None, not_informed_reason="child_safety"),
        }
    if action == "help":  # evaluation date in the past
        return help_plan_data(cast, case, roles=UNIQUE, evaluation_on=iso(days(-1)))
    if action == "evaluation":  # no date
        return {**state, "plan": str(HelpPlan.objects.get(case=case).pk), "findings": UNIQUE, "result_reached": "on"}
    if action == "monitoring":  # no end date
        return {**state, "what": UNIQUE, "who": "leerkracht", "how_often": "wekelijks"}
    if action == "vt-outcome":  # no decision
        return {**state, "assessed_on": iso(days(0)), "expectations": UNIQUE}
    if action == "inspector":  # valid, but the board notification is missing
        return {
            **state,
            "consulted_on": iso(days(0)),
            "inspector": "vertrouwensinspecteur",
            "advice": UNIQUE,
            "reasonable_suspicion": "on",
        }
    if action == "police":  # a police report before the parents and the accused were told
        return {**state, "report_made": "on", "decided_on": iso(days(0)), "explanation": UNIQUE}
    raise AssertionError(action)


ACTIONS = [
    "close",
    "close-blocked",
    "report",
    "emergency",
    "help",
    "evaluation",
    "monitoring",
    "vt-outcome",
    "inspector",
    "police",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_case_action_re_renders_with_the_input_and_changes_nothing(cast_a, client_for, action):
    case = _setup(cast_a, action)
    before = snapshot(case)
    url = action_url(case, action.replace("-blocked", ""))
    response = client_for(cast_a.af).post(url, _invalid_data(cast_a, case, action))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["form"].errors
    assert 'class="error-summary" role="alert"' in html
    assert escape(UNIQUE) in html  # nothing the user typed is lost
    assert snapshot(case) == before


def test_the_help_plan_form_keeps_the_task_rows_on_errors(cast_a, client_for):
    case = _setup(cast_a, "help")
    response = client_for(cast_a.af).post(
        action_url(case, "help"), help_plan_data(cast_a, case, evaluation_on=iso(days(-1)))
    )
    assert response.status_code == 200
    assert inputs(response, name="taken-1-what", value="Dagelijks welzijn noteren")
    assert inputs(response, name="taken-0-due_on", value=iso(days(7)))


def test_the_refusal_reason_is_shown(cast_a, client_for):
    case = _setup(cast_a, "inspector")
    response = client_for(cast_a.af).post(action_url(case, "inspector"), _invalid_data(cast_a, case, "inspector"))
    assert escape(nl("Record when the board was informed.")) in response.content.decode()


def test_an_action_that_does_not_fit_the_step_changes_nothing(cast_a, client_for):
    case = case_at(cast_a, "signalling")
    before = snapshot(case)
    client = client_for(cast_a.af)
    page = client.get(action_url(case, "help"))
    assert page.status_code == 200 and page.context["not_now"] is True
    response = client.post(action_url(case, "help"), help_plan_data(cast_a, case))
    assert response.status_code == 200 and response.context["not_now"] is True
    assert snapshot(case) == before


# --- A stale expected_state: a warning, and nothing changes ----------------------------------------------------


def _valid_data(cast, case, action, expected_state) -> dict:
    state = {"expected_state": expected_state, "bevestigd": "1"}  # past the confirmation page of a report or closing
    if action == "close":
        return {**state, "reason_code": "no_action", "text": "Geen actie nodig.", "parents_told": "on"}
    if action == "report":
        return {**state, **_report_data()}
    if action == "emergency":
        return {**state, "emergency_justification": "Direct gevaar.", **_report_data()}
    if action == "help":
        return help_plan_data(cast, case, expected_state=expected_state)
    if action == "vt-outcome":
        return {**state, "assessed_on": iso(days(0)), "decision": "investigation"}
    if action == "monitoring":
        return {**state, "what": "Welzijn", "who": "leerkracht", "how_often": "wekelijks", "until": iso(days(60))}
    raise AssertionError(action)


STALE = [
    # (action, the case's state now, the state the user saw)
    ("close", "weighing", "monitoring"),
    ("report", "weighing", "monitoring"),
    ("emergency", "weighing", "consulting"),
    ("help", "weighing", "signalling"),
    ("monitoring", "vt_involved", "evaluating"),
    ("vt-outcome", "vt_involved", "reported"),
    ("vt-outcome", "reported", "vt_involved"),
]


@pytest.mark.parametrize("action,now,seen", STALE)
def test_a_stale_expected_state_warns_and_changes_nothing(cast_a, client_for, action, now, seen):
    if action == "close":
        case = weigh(cast_a.af, case_at(cast_a, "weighing"), "A")
    elif action in ("report", "emergency"):
        case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    elif action == "help":
        case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "no", "yes", "yes")
    else:
        case = case_at(cast_a, now)
    assert fresh(case).state == now
    before = snapshot(case)
    response = client_for(cast_a.af).post(action_url(case, action), _valid_data(cast_a, case, action, seen))
    assert response.status_code == 302 and response.url == detail_url(case)
    assert messages_of(response) == [nl(CASE_CHANGED)]
    assert snapshot(case) == before
    # With the state the user really sees, the same form goes through.
    response = client_for(cast_a.af).post(action_url(case, action), _valid_data(cast_a, case, action, now))
    assert response.status_code == 302
    assert snapshot(case) != before


def test_the_vt_outcome_with_the_seen_state_moves_the_case(cast_a, client_for):
    case = case_at(cast_a, "reported")
    response = client_for(cast_a.af).post(
        action_url(case, "vt-outcome"), _valid_data(cast_a, case, "vt-outcome", "reported")
    )
    assert response.status_code == 302
    assert fresh(case).state == "vt_involved"
    assert VeiligThuisOutcome.objects.get(case=case).author == cast_a.af


# --- The permission matrix of every new URL --------------------------------------------------------------------

PRINCIPALS = [f"{school}-{role}" for school in ("a", "b") for role in (
    "teacher", "other_teacher", "contact_person", "ib", "af"
)] + ["anonymous"]  # fmt: skip

# Expected answer to a GET per URL, for the people of school A who may see the case; everyone else: 404
# (school B, the teacher of another group, the internal contact person who did not open it), anonymous: login.
DECIDE_ONLY = {"a-af": 200, "a-ib": 403, "a-teacher": 403}
MATRIX = {
    "weighing": DECIDE_ONLY,
    "action-close": DECIDE_ONLY,
    "action-report": DECIDE_ONLY,
    "action-help": DECIDE_ONLY,
    "action-evaluation": DECIDE_ONLY,
    "action-monitoring": DECIDE_ONLY,
    "action-vt-outcome": DECIDE_ONLY,
    "action-emergency": {"a-af": 200, "a-ib": 200, "a-teacher": 403},
    "action-inspector": DECIDE_ONLY,
    "action-police": DECIDE_ONLY,
    "action-unknown": {"a-af": 404, "a-ib": 404, "a-teacher": 404},
    "risk-add": DECIDE_ONLY,
    "flag-add": {"a-af": 200, "a-ib": 200, "a-teacher": 403},
    "emergency-proposal-add": {"a-af": 403, "a-ib": 200, "a-teacher": 200},
    "board-add": DECIDE_ONLY,
    "checkin-add": DECIDE_ONLY,
}


def _url(name: str, case) -> str:
    if name == "weighing":
        return weighing_url(case)
    if name.startswith("action-"):
        return action_url(case, name.removeprefix("action-"))
    return reverse(f"cases:{name}", kwargs={"pk": case.pk})


@pytest.fixture
def principals(cast_a, cast_b) -> dict:
    people = {f"a-{r}": cast_a.by_role(r) for r in ("teacher", "other_teacher", "contact_person", "ib", "af")}
    people |= {f"b-{r}": cast_b.by_role(r) for r in ("teacher", "other_teacher", "contact_person", "ib", "af")}
    people["anonymous"] = None
    return people


def _client(client_for, user):
    from django.test import Client

    return Client() if user is None else client_for(user)


@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(cast_a, cast_b, principals, client_for, name):
    case = case_at(cast_a, "help")  # a case of school A about a pupil of group 1, opened by its teacher
    url = _url(name, case)
    before = snapshot(case)
    wrong = []
    for principal in PRINCIPALS:
        expected = 302 if principal == "anonymous" else MATRIX[name].get(principal, 404)
        client = _client(client_for, principals[principal])
        got = client.get(url).status_code
        if got != expected:
            wrong.append(("GET", principal, expected, got))
        # An empty POST: refused the same way; for those allowed, a form with errors (or a redirect).
        posted = client.post(url, {}).status_code
        if (expected != 200 and posted != expected) or (expected == 200 and posted not in (200, 302)):
            wrong.append(("POST", principal, expected, posted))
        if principal == "anonymous":
            assert client.get(url)["Location"].startswith(reverse("login"))
    assert wrong == []
    assert snapshot(case) == before


def test_permission_matrix_task_done(cast_a, cast_b, principals, client_for):
    case = case_at(cast_a, "help")
    task = HelpTask.objects.get(plan__case=case)
    url = reverse("cases:task-done", kwargs={"pk": case.pk, "kind": "hulpplan", "task_id": task.pk})
    allowed = {"a-ib": 302, "a-af": 302, "a-teacher": 403}
    wrong = []
    for principal in PRINCIPALS:
        client = _client(client_for, principals[principal])
        if (got := client.get(url).status_code) != 405:
            wrong.append(("GET", principal, 405, got))
        expected = 302 if principal == "anonymous" else allowed.get(principal, 404)
        response = client.post(url)
        if response.status_code != expected:
            wrong.append(("POST", principal, expected, response.status_code))
        elif expected == 302:
            login = reverse("login")
            assert response["Location"].startswith(login) == (principal == "anonymous")
        if principal.startswith("a-") and principal not in ("a-ib", "a-af"):
            assert not TaskDone.objects.filter(help_task=task).exists(), principal
    assert wrong == []
    done = TaskDone.objects.get(help_task=task)
    assert done.author == cast_a.ib  # the first allowed person in the list marked it done


def test_a_task_of_another_case_is_not_found(cast_a, client_for):
    case = case_at(cast_a, "help")
    other = case_at(cast_a, "help")
    task = HelpTask.objects.get(plan__case=other)
    url = reverse("cases:task-done", kwargs={"pk": case.pk, "kind": "hulpplan", "task_id": task.pk})
    assert client_for(cast_a.af).post(url).status_code == 404
    assert not TaskDone.objects.exists()


def test_school_b_sees_its_own_case_and_not_school_a(cast_a, cast_b, client_for):
    case_b = case_at(cast_b, "weighing")
    assert client_for(cast_b.af).get(weighing_url(case_b)).status_code == 200
    assert client_for(cast_a.af).get(weighing_url(case_b)).status_code == 404
    assert client_for(cast_a.af).post(action_url(case_b, "emergency"), {}).status_code == 404
    assert client_for(cast_b.ib).get(action_url(case_b, "emergency")).status_code == 200


def test_the_emergency_form_prompts_112_and_the_report_form_the_veilig_thuis_number(cast_a, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    emergency = client_for(cast_a.ib).get(action_url(case, "emergency")).content.decode()
    assert "112" in emergency and "0800-2000" in emergency
    assert 'name="emergency_justification"' in emergency
    report = client_for(cast_a.af).get(action_url(case, "report")).content.decode()
    assert "0800-2000" in report
    assert 'name="meldrecht_acknowledged"' in report and 'name="anonymity_reason"' in report


def test_a_teacher_proposes_an_emergency_report_through_the_view(cast_a, client_for):
    case = case_at(cast_a, "weighing")
    client = client_for(cast_a.teacher)
    assert client.get(action_url(case, "emergency")).status_code == 403
    url = reverse("cases:emergency-proposal-add", kwargs={"pk": case.pk})
    response = client.post(url, {"justification": "Het kind wil niet naar huis."})
    assert response.status_code == 302
    assert EmergencyProposal.objects.get(case=case).author == cast_a.teacher
    assert fresh(case).state == "weighing"


def test_the_flag_form_stores_the_chosen_flag(cast_a, client_for):
    case = case_at(cast_a, "weighing")
    data = {"kind": "group", "flag": "red"}
    for criterion in ("consent", "voluntariness", "equality", "development", "context", "self_respect"):
        data[criterion] = "ok"
        data[f"{criterion}_note"] = ""
    response = client_for(cast_a.ib).post(reverse("cases:flag-add", kwargs={"pk": case.pk}), data)
    assert response.status_code == 302
    from cases.models import FlagAssessment

    assert FlagAssessment.objects.get(case=case).flag == "red"


# --- The aandachtsfunctionaris's start page ---------------------------------------------------------------------


def test_af_start_page_lists_cases_needing_action_most_urgent_first(cast_a, cast_b, client_for):
    first_opened = case_at(cast_a, "consulting")  # reaches weighing last
    weighing_first = case_at(cast_a, "weighing")
    helped = case_at(cast_a, "help")
    factories.add_consultation(cast_a.ib, first_opened)
    factories.advance(cast_a.ib, first_opened, "to_parent_talk")
    factories.add_conversation(cast_a.ib, first_opened)
    factories.advance(cast_a.ib, first_opened, "to_weighing")
    not_mine = case_at(cast_a, "parent_talk")  # the IB'er's step, not the aandachtsfunctionaris's
    other_school = case_at(cast_b, "weighing")
    closed = case_at(cast_a, "closed")

    response = client_for(cast_a.af).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"}))
    assert response.status_code == 200
    listed = list(response.context["action_cases"])
    # By urgency (issue 16): the two weighings are due 5 working days after their hand-over (the same day: the one
    # waiting longer first), the help on its evaluation date, 30 days away.
    assert [c.pk for c in listed] == [weighing_first.pk, first_opened.pk, helped.pk]
    assert not {not_mine.pk, other_school.pk, closed.pk} & {c.pk for c in listed}
    due = [(c.deadlines[0].due, c.state_since) for c in listed]
    assert due == sorted(due)

    html = response.content.decode()
    positions = [html.index(f">{fresh(c).reference}<") for c in listed]
    assert positions == sorted(positions)  # the table shows them in that order
    assert escape(nl("Waiting since")) in html
    assert escape(capfirst(nl("step 4: weighing"))) in html  # the state in Dutch (the compact picture's label)
    assert escape(capfirst(nl("step 5: help organised"))) in html
    assert html.count(escape(nl("%(period)s ago").split("%(period)s")[-1].strip())) >= len(listed)


def _propose(cast, case) -> EmergencyProposal:
    return services.entry_record(
        user=cast.teacher,
        case=case,
        entry=EmergencyProposal(justification="Kind durft niet naar huis."),
        permission=perms.PROPOSE_EMERGENCY,
    )


def test_af_start_page_lists_a_case_with_an_emergency_proposal(cast_a, client_for):
    earlier = case_at(cast_a, "signalling")
    for _ in range(3):  # proposals on another case first, so that ids of proposals and cases differ
        _propose(cast_a, earlier)
    proposed = case_at(cast_a, "signalling")
    proposal = _propose(cast_a, proposed)
    assert proposal.pk != proposed.pk
    response = client_for(cast_a.af).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"}))
    listed = [c.pk for c in response.context["action_cases"]]
    assert listed == [earlier.pk, proposed.pk]  # a teacher proposed an emergency report: the AF must act


def test_ib_start_page_lists_the_ib_steps(cast_a, client_for):
    consulting = case_at(cast_a, "consulting")
    weighing = case_at(cast_a, "weighing")
    response = client_for(cast_a.ib).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "ib"}))
    pks = [c.pk for c in response.context["action_cases"]]
    assert consulting.pk in pks and weighing.pk not in pks


def test_the_case_page_offers_the_next_records(cast_a, client_for):
    case = weigh(cast_a.af, case_at(cast_a, "weighing"), "B", "yes")
    af_page = client_for(cast_a.af).get(detail_url(case)).content.decode()
    assert action_url(case, "report") in af_page and action_url(case, "emergency") in af_page
    teacher_page = client_for(cast_a.teacher).get(detail_url(case)).content.decode()
    assert action_url(case, "report") not in teacher_page
    assert reverse("cases:emergency-proposal-add", kwargs={"pk": case.pk}) in teacher_page


def test_evaluation_through_the_view_answers_question_5(cast_a, client_for):
    case = case_at(cast_a, "help")
    plan = HelpPlan.objects.get(case=case)
    response = client_for(cast_a.af).post(
        action_url(case, "evaluation"),
        {
            "expected_state": "help",
            "plan": str(plan.pk),
            "evaluated_on": iso(days(0)),
            "findings": "Niet bereikt.",
            "early_reason": "De ouders trekken zich terug.",
        },
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.state == "evaluating"
    assert case.weighing_answers()[5] == "no"
    assert HelpEvaluation.objects.get(case=case).result_reached is False


# --- A new signal during monitoring sends the case back to weighing, whichever page it is recorded on ------------


def _signal_post(**extra) -> dict:
    data = {k: v for k, v in factories.signal_data(observed_on=days(-1)).items() if k not in ("categories", "items")}
    data["observed_on"] = iso(data["observed_on"])
    return {**data, "categories": ["physical"], "items": ["physical.bruises"], **extra}


def test_a_new_signal_on_the_case_page_during_monitoring_goes_back_to_weighing(cast_a, client_for):
    case = case_at(cast_a, "monitoring")
    response = client_for(cast_a.teacher).post(reverse("cases:signal-add", kwargs={"pk": case.pk}), _signal_post())
    assert response.status_code == 302
    case = fresh(case)
    assert case.state == "weighing"
    assert case.weighing_answers() == {}


def test_a_new_signal_on_the_new_signal_page_during_monitoring_goes_back_to_weighing(cast_a, client_for):
    case = case_at(cast_a, "monitoring")
    pupil = case.pupils.get()
    response = client_for(cast_a.teacher).post(
        reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}),
        _signal_post(pupil=str(pupil.pk), route="A"),
    )
    assert fresh(case).signals.count() == 2  # added to the open case; then its signal list is offered (issue 15)
    newest = fresh(case).signals.order_by("-pk").first()
    assert response.status_code == 302
    assert response.url == reverse("cases:signal-details", kwargs={"pk": case.pk, "signal_id": newest.pk})
    case = fresh(case)
    assert case.state == "weighing"
    assert case.weighing_answers() == {}
