"""The transition table: every user transition × every role → allowed or refused, through
``services.case_transition``, with the case prepared so that the guards are met. Then the guards themselves, and
the check that the case is still in the state the user saw.

A refused or blocked transition leaves the case exactly as it was; an allowed one writes exactly one chronology
row (who, from, to) and one audit row.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cases import permissions as perms
from cases import services
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    Signal,
    Transition,
)
from tests import factories
from tests.conftest import CAST_ROLES

ALLOWED = "allowed"
REFUSED = "refused"

ACTORS = [*(f"a.{role}" for role in CAST_ROLES), "b.ib", "b.af"]

# Who may fire which transition (domain.md §4). School B's people are refused by the service itself (403):
# services do not answer 404, the views do that before calling them.
TABLE = {
    "to_consulting": {"a.teacher": ALLOWED, "a.ib": ALLOWED},  # the teacher is the one who opened the case
    "to_parent_talk": {"a.ib": ALLOWED},
    "to_weighing": {"a.ib": ALLOWED},
    "skip_to_weighing": {"a.ib": ALLOWED},
}
FROM_TO = {
    "to_consulting": (CaseState.SIGNALLING, CaseState.CONSULTING),
    "to_parent_talk": (CaseState.CONSULTING, CaseState.PARENT_TALK),
    "to_weighing": (CaseState.PARENT_TALK, CaseState.WEIGHING),
    "skip_to_weighing": (CaseState.PARENT_TALK, CaseState.WEIGHING),
}
CELLS = [(name, actor, TABLE[name].get(actor, REFUSED)) for name in services.USER_TRANSITIONS for actor in ACTORS]


def test_the_table_covers_every_user_transition():
    assert set(TABLE) == set(services.USER_TRANSITIONS) == set(FROM_TO)


def user_of(cast_a, cast_b, actor: str):
    letter, role = actor.split(".")
    return {"a": cast_a, "b": cast_b}[letter].by_role(role)


def skip_for(case: Case, *, recorded_by, confirmed_by=None) -> ParentTalkSkip:
    skip = services.parent_talk_skip_record(
        user=recorded_by,
        case=Case.objects.get(pk=case.pk),
        skip=ParentTalkSkip(reason=ParentTalkSkip.Reason.BREAK_CONTACT, explanation="Ouders dreigden te verhuizen."),
    )
    if confirmed_by is not None:
        services.parent_talk_skip_confirm(user=confirmed_by, case=Case.objects.get(pk=case.pk), skip=skip)
    return skip


def prepared_case(cast, name: str) -> Case:
    """A case of ``cast``'s school in the source state of ``name``, with its guard met."""
    source = FROM_TO[name][0]
    case = factories.case_in_state(cast, source)
    if name == "to_parent_talk":
        factories.add_consultation(cast.ib, case)
    elif name == "to_weighing":
        factories.add_conversation(cast.ib, case)
    elif name == "skip_to_weighing":
        skip_for(case, recorded_by=cast.ib, confirmed_by=cast.af)
    case = Case.objects.get(pk=case.pk)
    assert case.state == source
    assert getattr(case, f"blockers_{name}")() == []
    return case


def state_of(case: Case) -> dict:
    fresh = Case.objects.get(pk=case.pk)
    return {
        "state": fresh.state,
        "owner": fresh.owner_id,
        "last_activity_at": fresh.last_activity_at,
        "transitions": Transition.objects.filter(case=case).count(),
        "audit": AuditEvent.objects.filter(case=case).count(),
        "all_transitions": Transition.objects.count(),
        "all_audit": AuditEvent.objects.count(),
    }


def fire(user, case: Case, name: str, expected_state: str | None = None, reason: str = "") -> Case:
    return services.case_transition(
        user=user,
        case_id=case.pk,
        name=name,
        expected_state=Case.objects.get(pk=case.pk).state if expected_state is None else expected_state,
        reason=reason,
    )


# --- The table -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "actor", "expected"), CELLS, ids=[f"{n}-{a}-{e}" for n, a, e in CELLS])
def test_transition_table(name, actor, expected, cast_a, cast_b):
    case = prepared_case(cast_a, name)
    user = user_of(cast_a, cast_b, actor)
    source, target = FROM_TO[name]
    before = state_of(case)

    if expected == REFUSED:
        with pytest.raises(PermissionDenied):
            fire(user, case, name, reason="poging")
        assert state_of(case) == before
        return

    returned = fire(user, case, name, reason="  Signalen zijn duidelijk.  ")

    after = Case.objects.get(pk=case.pk)
    assert returned.state == after.state == target
    assert after.last_activity_at > before["last_activity_at"]
    new = list(Transition.objects.filter(case=case).order_by("pk")[before["transitions"] :])
    assert len(new) == 1
    row = new[0]
    assert (row.actor, row.name, row.from_state, row.to_state, row.reason) == (
        user,
        name,
        source,
        target,
        "Signalen zijn duidelijk.",
    )
    audit = list(AuditEvent.objects.filter(case=case).order_by("pk")[before["audit"] :])
    assert [(a.action, a.user) for a in audit] == [(AuditEvent.Action.TRANSITION, user)]
    assert Transition.objects.count() == before["all_transitions"] + 1
    # Who owns the case next: the IB'er in step 2 (whoever handed it over), the AF in step 4.
    expected_owner = {CaseState.CONSULTING: cast_a.ib, CaseState.PARENT_TALK: cast_a.ib, CaseState.WEIGHING: cast_a.af}
    if target == CaseState.PARENT_TALK:
        assert after.owner_id == before["owner"]  # to_parent_talk keeps the owner
        assert before["owner"] == cast_a.ib.pk
    else:
        assert after.owner == expected_owner[target]


@pytest.mark.parametrize("actor", ["a.contact_person", "a.ib"])
def test_to_consulting_by_the_contact_person_who_opened_it(actor, cast_a, cast_b):
    """The opener may hand over, whoever they are; the teacher of the pupil's group, who did not open it, may not."""
    case = factories.open_case(cast_a.contact_person, factories.PupilFactory(class_group=cast_a.group1))
    before = state_of(case)
    with pytest.raises(PermissionDenied):
        fire(cast_a.teacher, case, "to_consulting")
    assert state_of(case) == before

    fire(user_of(cast_a, cast_b, actor), case, "to_consulting")
    assert Case.objects.get(pk=case.pk).state == CaseState.CONSULTING


def test_skip_to_weighing_from_consulting(cast_a):
    """Skipping the conversation is also possible straight from step 2."""
    case = factories.case_in_state(cast_a, CaseState.CONSULTING)
    skip_for(case, recorded_by=cast_a.ib, confirmed_by=cast_a.af)
    before = state_of(case)

    fire(cast_a.ib, case, "skip_to_weighing")

    row = Transition.objects.filter(case=case).last()
    assert (row.name, row.from_state, row.to_state, row.actor) == (
        "skip_to_weighing",
        CaseState.CONSULTING,
        CaseState.WEIGHING,
        cast_a.ib,
    )
    assert Transition.objects.filter(case=case).count() == before["transitions"] + 1


# --- The skip and its confirmation -----------------------------------------------------------------------------


def test_a_skip_recorded_by_the_af_is_confirmed_at_once(cast_a):
    case = factories.case_in_state(cast_a, CaseState.PARENT_TALK)
    skip = skip_for(case, recorded_by=cast_a.af)

    assert [c.confirmed_by for c in ParentTalkSkipConfirmation.objects.filter(skip=skip)] == [cast_a.af]
    fire(cast_a.ib, case, "skip_to_weighing")
    assert Case.objects.get(pk=case.pk).state == CaseState.WEIGHING


def test_a_skip_recorded_by_the_ib_waits_for_the_af(cast_a):
    case = factories.case_in_state(cast_a, CaseState.PARENT_TALK)
    skip = skip_for(case, recorded_by=cast_a.ib)
    assert not ParentTalkSkipConfirmation.objects.filter(skip=skip).exists()

    for user in (cast_a.ib, cast_a.teacher):
        with pytest.raises(PermissionDenied):
            services.parent_talk_skip_confirm(user=user, case=Case.objects.get(pk=case.pk), skip=skip)
    assert not ParentTalkSkipConfirmation.objects.filter(skip=skip).exists()

    services.parent_talk_skip_confirm(user=cast_a.af, case=Case.objects.get(pk=case.pk), skip=skip)
    assert [c.confirmed_by for c in ParentTalkSkipConfirmation.objects.filter(skip=skip)] == [cast_a.af]
    with pytest.raises(ValidationError):
        services.parent_talk_skip_confirm(user=cast_a.af, case=Case.objects.get(pk=case.pk), skip=skip)
    assert ParentTalkSkipConfirmation.objects.filter(skip=skip).count() == 1


# --- Guards ----------------------------------------------------------------------------------------------------

NO_FACT = "Record at least one factual observation, or the child's own words verbatim, first."
NO_CONSULTATION = "Record at least one consultation first."
NO_REPORT = "Record a conversation with the parents with its report, or a confirmed reason to skip it."
NO_CONFIRMED_SKIP = "A reason to skip the conversation must be recorded and confirmed by the aandachtsfunctionaris."


def story_case(cast):
    return factories.open_case(cast.teacher, factories.PupilFactory(class_group=cast.group1), kind="story")


def fact_corrected_into_story(cast):
    case = factories.case_in_state(cast, CaseState.SIGNALLING)
    services.entry_record(
        user=cast.teacher,
        case=case,
        entry=factories.make_signal(kind="story"),
        permission=perms.ADD_SIGNAL,
        corrects=Signal.objects.get(case=case),
    )
    return case


def consulting_without_consultation(cast):
    return factories.case_in_state(cast, CaseState.CONSULTING)


def parent_talk_without_conversation(cast):
    return factories.case_in_state(cast, CaseState.PARENT_TALK)


def parent_talk_with_empty_report(cast):
    case = factories.case_in_state(cast, CaseState.PARENT_TALK)
    factories.add_conversation(cast.ib, case, report="")
    return case


def parent_talk_with_confirmed_skip_only(cast):
    """A confirmed skip opens ``skip_to_weighing``, not ``to_weighing``."""
    case = factories.case_in_state(cast, CaseState.PARENT_TALK)
    skip_for(case, recorded_by=cast.ib, confirmed_by=cast.af)
    return case


def parent_talk_without_skip(cast):
    return factories.case_in_state(cast, CaseState.PARENT_TALK)


def parent_talk_with_unconfirmed_skip(cast):
    case = factories.case_in_state(cast, CaseState.PARENT_TALK)
    skip_for(case, recorded_by=cast.ib)
    return case


def consulting_with_unconfirmed_skip(cast):
    case = factories.case_in_state(cast, CaseState.CONSULTING)
    skip_for(case, recorded_by=cast.ib)
    return case


GUARDS = [
    ("to_consulting", "teacher", story_case, NO_FACT),
    ("to_consulting", "ib", story_case, NO_FACT),
    ("to_consulting", "ib", fact_corrected_into_story, NO_FACT),
    ("to_parent_talk", "ib", consulting_without_consultation, NO_CONSULTATION),
    ("to_weighing", "ib", parent_talk_without_conversation, NO_REPORT),
    ("to_weighing", "ib", parent_talk_with_empty_report, NO_REPORT),
    ("to_weighing", "ib", parent_talk_with_confirmed_skip_only, NO_REPORT),
    ("skip_to_weighing", "ib", parent_talk_without_skip, NO_CONFIRMED_SKIP),
    ("skip_to_weighing", "ib", parent_talk_with_unconfirmed_skip, NO_CONFIRMED_SKIP),
    ("skip_to_weighing", "ib", consulting_with_unconfirmed_skip, NO_CONFIRMED_SKIP),
]


@pytest.mark.parametrize(
    ("name", "role", "prepare", "message"), GUARDS, ids=[f"{g[0]}-{g[1]}-{g[2].__name__}" for g in GUARDS]
)
def test_a_guard_that_is_not_met_blocks_with_its_reason(name, role, prepare, message, cast_a):
    case = prepare(cast_a)
    before = state_of(case)

    with translation.override("en"), pytest.raises(services.TransitionBlockedError) as blocked:
        fire(cast_a.by_role(role), case, name)

    assert blocked.value.reasons == [message]
    assert state_of(case) == before


def test_a_story_corrected_into_a_fact_meets_the_guard(cast_a):
    case = story_case(cast_a)
    services.entry_record(
        user=cast_a.teacher,
        case=case,
        entry=factories.make_signal(kind="fact"),
        permission=perms.ADD_SIGNAL,
        corrects=Signal.objects.get(case=case),
    )
    fire(cast_a.teacher, case, "to_consulting")
    assert Case.objects.get(pk=case.pk).state == CaseState.CONSULTING


def test_permission_is_checked_before_the_guards(cast_a):
    """Someone who may not fire the transition learns nothing about the case's guards: 403, not the reasons."""
    case = story_case(cast_a)
    before = state_of(case)
    with pytest.raises(PermissionDenied):
        fire(cast_a.af, case, "to_consulting")
    assert state_of(case) == before


# --- The state the user saw ----------------------------------------------------------------------------------

STALE = [
    # (transition, the state the case is really in, the state the user saw)
    ("to_consulting", CaseState.CONSULTING, CaseState.SIGNALLING),  # someone else handed it over meanwhile
    ("to_parent_talk", CaseState.PARENT_TALK, CaseState.CONSULTING),
    ("to_weighing", CaseState.WEIGHING, CaseState.PARENT_TALK),
    ("skip_to_weighing", CaseState.WEIGHING, CaseState.PARENT_TALK),
    ("to_parent_talk", CaseState.CONSULTING, CaseState.SIGNALLING),  # right source, but not what the user saw
]


@pytest.mark.parametrize(("name", "actual", "seen"), STALE, ids=[f"{n}-{a}-saw-{s}" for n, a, s in STALE])
def test_a_changed_case_is_left_alone(name, actual, seen, cast_a):
    case = factories.case_in_state(cast_a, actual)
    factories.add_consultation(cast_a.ib, case)
    before = state_of(case)

    with pytest.raises(services.CaseChangedError):
        fire(cast_a.ib, case, name, expected_state=seen)

    assert state_of(case) == before


def test_a_step_that_does_not_start_from_the_current_state_is_refused_as_not_now(cast_a):
    """The user saw the state right, but there is no such step from here: not 'changed meanwhile'."""
    case = factories.case_in_state(cast_a, CaseState.SIGNALLING)
    before = state_of(case)

    with pytest.raises(services.NotNowError):
        fire(cast_a.ib, case, "to_weighing", expected_state=CaseState.SIGNALLING)

    assert state_of(case) == before


def test_the_same_transition_twice_changes_the_case_once(cast_a):
    case = factories.case_in_state(cast_a, CaseState.SIGNALLING)
    fire(cast_a.ib, case, "to_consulting", expected_state=CaseState.SIGNALLING)
    after_first = state_of(case)

    with pytest.raises(services.CaseChangedError):
        fire(cast_a.teacher, case, "to_consulting", expected_state=CaseState.SIGNALLING)

    assert state_of(case) == after_first
    assert Transition.objects.filter(case=case, name="to_consulting").count() == 1


@pytest.mark.parametrize("name", ["open", "close", "to_help", "__init__", "save"])
def test_only_user_transitions_can_be_fired(name, cast_a):
    case = factories.case_in_state(cast_a, CaseState.SIGNALLING)
    before = state_of(case)
    with pytest.raises(PermissionDenied):
        fire(cast_a.ib, case, name, expected_state=CaseState.SIGNALLING)
    assert state_of(case) == before
