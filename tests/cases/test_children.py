"""Issue 17, items 5-7: the conversation with the child and the kindcheck prompt (domain.md §9.1, §9.9), the pupil's
earlier cases and the link to the previous one (§9.8), and route C with several pupils, their part, the
vlaggensysteem before the weighing's outcome and an extract for each pupil's parents.

Each rule: allowed and refused, through the services and through the views; a refusal says why in Dutch (``nl``:
the Dutch text once the catalogue has it, the English msgid until then) and leaves the case as it was."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cases import services, visibility
from cases.models import AuditEvent, Case, ChildConversation, FlagAssessment, Kindcheck, LookBack, PupilInvolvement
from dossier import services as dossier_services
from dossier import tasks as dossier_tasks
from dossier.models import ExtractJob
from tests import factories
from tests.cases.test_decision import closure, fresh, help_plan, help_tasks, vt_report, weigh
from tests.cases.test_guards import CRITERIA, assert_message, nl

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


def snapshot(case: Case) -> tuple:
    """What a refusal must leave as it was: the case's own fields, its pupils and its records of these kinds."""
    case = fresh(case)
    return (
        case.state,
        case.owner_id,
        case.last_activity_at,
        sorted(case.pupils.values_list("pk", flat=True)),
        ChildConversation.objects.filter(case=case).count(),
        PupilInvolvement.objects.filter(case=case).count(),
        LookBack.objects.filter(case=case).count(),
        case.transitions.count(),
    )


def talk(case: Case, **overrides) -> ChildConversation:
    data = {
        "held_on": timezone.localdate(),
        "pupil": case.pupils.first(),
        "talked_by": "IB'er, met de leerkracht erbij",
        "child_words": "“Papa was heel boos en toen deed mijn arm pijn.”",
        "child_told": "Dat de juf met mama en papa gaat praten en dat het kind daar niets voor hoeft te doen.",
    }
    data.update(overrides)
    return ChildConversation(**data)


# --- Item 5: the conversation with the child --------------------------------------------------------------------

CHILD_NOT_NOW = (
    "A conversation with the child is recorded from step 2 (consultation) until the decision, and during help and "
    "monitoring; not in this step. A child's words told to you before that are a signal of the kind 'the child's own "
    "words'."
)
VERBATIM = "Write the child's words verbatim between quotation marks (“…”): the child's own words, not a summary."


@pytest.mark.parametrize(
    "state,role,allowed",
    [
        ("consulting", "ib", True),
        ("parent_talk", "ib", True),
        ("weighing", "af", True),
        ("weighing", "ib", True),
        ("signalling", "ib", False),
    ],
)
def test_a_conversation_with_the_child_is_recorded_in_the_steps_that_offer_it(cast_a, state, role, allowed):
    case = factories.case_in_state(cast_a, state)
    before = snapshot(case)
    if allowed:
        entry = services.child_conversation_record(user=cast_a.by_role(role), case=case, conversation=talk(case))
        stored = ChildConversation.objects.get(pk=entry.pk)
        assert stored.child_words == "“Papa was heel boos en toen deed mijn arm pijn.”"  # verbatim, as typed
        assert stored.author == cast_a.by_role(role)
    else:
        with pytest.raises(services.NotNowError) as refused:
            services.child_conversation_record(user=cast_a.by_role(role), case=case, conversation=talk(case))
        assert_message(refused.value, CHILD_NOT_NOW)
        assert snapshot(case) == before


def test_a_teacher_does_not_record_a_conversation_with_the_child(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    before = snapshot(case)
    with pytest.raises(PermissionDenied):
        services.child_conversation_record(user=cast_a.teacher, case=case, conversation=talk(case))
    assert snapshot(case) == before


def test_route_b_has_no_conversation_with_the_child_at_school(cast_a):
    """In route B the police hear the child: the step does not offer it."""
    from tests.cases.test_decision import route_b_case

    case = route_b_case(cast_a)
    before = snapshot(case)
    with pytest.raises(services.NotNowError):
        services.child_conversation_record(user=cast_a.af, case=case, conversation=talk(case))
    assert snapshot(case) == before


def test_the_childs_words_are_quoted_not_summarised(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    before = snapshot(case)
    with pytest.raises(ValidationError) as refused:
        services.child_conversation_record(
            user=cast_a.ib, case=case, conversation=talk(case, child_words="Het kind zegt dat vader slaat.")
        )
    assert_message(refused.value.message_dict["child_words"][0], VERBATIM)
    assert snapshot(case) == before


def test_the_child_is_a_pupil_of_the_case(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    stranger = factories.PupilFactory(class_group=cast_a.group2)
    before = snapshot(case)
    with pytest.raises(ValidationError) as refused:
        services.child_conversation_record(user=cast_a.ib, case=case, conversation=talk(case, pupil=stranger))
    assert_message(refused.value.message_dict["pupil"][0], "Choose one of the pupils of this case.")
    assert snapshot(case) == before


def _child_post(case, **overrides) -> dict:
    data = {
        "held_on": timezone.localdate().isoformat(),
        "pupil": case.pupils.first().pk,
        "talked_by": "IB'er",
        "child_words": "“Ik wil niet naar huis.”",
        "child_told": "Dat de IB'er met de directeur overlegt.",
    }
    data.update(overrides)
    return data


def test_the_form_records_a_conversation_with_the_child(cast_a, client_for):
    case = factories.case_in_state(cast_a, "parent_talk")
    url = reverse("cases:childconversation-add", kwargs={"pk": case.pk})
    response = client_for(cast_a.ib).post(url, _child_post(case))
    assert response.status_code == 302
    assert ChildConversation.objects.get(case=case).child_words == "“Ik wil niet naar huis.”"


def test_the_form_refuses_in_step_1_and_keeps_the_input(cast_a, client_for):
    case = factories.case_in_state(cast_a, "signalling")
    before = snapshot(case)
    url = reverse("cases:childconversation-add", kwargs={"pk": case.pk})
    response = client_for(cast_a.ib).post(url, _child_post(case))
    assert response.status_code == 200
    assert nl(CHILD_NOT_NOW) in response.context["form"].non_field_errors()
    assert response.context["form"]["child_words"].value() == "“Ik wil niet naar huis.”"
    assert snapshot(case) == before


def test_the_form_refuses_words_without_quotes(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    url = reverse("cases:childconversation-add", kwargs={"pk": case.pk})
    response = client_for(cast_a.ib).post(url, _child_post(case, child_words="Het kind wil niet naar huis."))
    assert response.status_code == 200
    assert ChildConversation.objects.filter(case=case).count() == 0


def test_the_case_page_offers_the_conversation_with_the_child_in_its_steps(cast_a, client_for):
    offered = reverse("cases:childconversation-add", kwargs={"pk": 0}).replace("/0/", "/{}/")
    for state, shown in [("signalling", False), ("consulting", True), ("weighing", True)]:
        case = factories.case_in_state(cast_a, state)
        page = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
        urls = [a["url"] for a in page.context["next_actions"]]
        assert (offered.format(case.pk) in urls) == shown, state


@pytest.mark.parametrize(
    "role,level",
    [("teacher", visibility.SUMMARY), ("ib", visibility.FULL), ("af", visibility.FULL), ("contact_person", "hidden")],
)
def test_who_reads_the_childs_words(cast_a, role, level):
    case = factories.case_in_state(cast_a, "consulting")
    entry = services.child_conversation_record(user=cast_a.ib, case=case, conversation=talk(case))
    reader = visibility.reader_for(cast_a.by_role(role), case)
    assert visibility.level(reader, "childconversation", entry) == level


def test_the_teacher_reads_that_the_conversation_was_held_not_the_words(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    services.child_conversation_record(user=cast_a.ib, case=case, conversation=talk(case))
    url = reverse("cases:case-detail", kwargs={"pk": case.pk})
    teacher_page = client_for(cast_a.teacher).get(url).content.decode()
    ib_page = client_for(cast_a.ib).get(url).content.decode()
    assert "Papa was heel boos" in ib_page
    assert "Papa was heel boos" not in teacher_page
    assert nl("A conversation with the child was held.") in teacher_page


def test_the_childs_words_are_in_the_parents_extract_in_their_own_section(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    entry = services.child_conversation_record(user=cast_a.ib, case=case, conversation=talk(case))
    extract = dossier_services.build_extract(fresh_with_pupils(case))
    item = next(i for i in extract.items if i.kind == "childconversation" and i.entry.pk == entry.pk)
    assert item.included and item.section == "child"
    assert item.shown.child_words == entry.child_words
    with pytest.raises(AttributeError):
        item.shown.pupil  # noqa: B018 — not shown: the extract names the child once, at the top


def fresh_with_pupils(case: Case) -> Case:
    case = fresh(case)
    case.pupil_list = list(case.pupils.select_related("class_group"))
    return case


# --- Item 5: the kindcheck prompt ----------------------------------------------------------------------------


def kindcheck(**overrides) -> Kindcheck:
    data = {
        "done_on": timezone.localdate(),
        "reason": "Moeder is verslaafd.",
        "other_minors": "yes",
        "minors_description": "Een broertje van 2.",
        "caregivers": "Oma.",
        "outcome": "Veilig bij oma.",
    }
    data.update(overrides)
    return Kindcheck(**data)


@pytest.mark.parametrize(
    "items,categories,prompted",
    [
        (["parent.addicted"], ["parent"], True),
        (["parent.ill"], ["parent"], True),
        (["parent.suicide_threat"], ["parent"], True),
        (["family.partner_abuse"], ["family"], True),
        ([], ["witnessing"], True),
        (["physical.bruises"], ["physical"], False),
        (["parent.cancels"], ["parent"], False),
    ],
)
def test_the_kindcheck_is_prompted_when_a_signal_concerns_a_parents_own_problems(cast_a, items, categories, prompted):
    from cases import selectors

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil, items=items, categories=categories)
    assert bool(selectors.kindcheck_prompt(case=case)) == prompted


def prompts(case: Case) -> tuple[list, list]:
    """The kindcheck prompt as the consultation form reads it (the latest kindcheck a subquery) and as the case page
    reads it (what the chronology's index knows: ``TimelinePage.latest`` and ``flagged``); everything on one page
    (printing) knows the latest records too, and asks the database which signals are due."""
    from cases import selectors

    page = selectors.case_timeline_page(case=case, page=None)
    every = selectors.case_timeline_page(case=case, page="alle")
    assert page.latest == every.latest  # the index and the whole chronology know the same
    asked = selectors.kindcheck_prompt(case=case)
    assert selectors.kindcheck_prompt(case=case, timeline=every) == asked
    return asked, selectors.kindcheck_prompt(case=case, timeline=page)


def test_the_database_knows_each_code_of_the_signal_list_as_the_rule_does(cast_a):
    """The database's condition (``signal_list.parent_problems_condition``: the kindcheck prompt's filter, and the
    flag of the chronology's index) agrees with ``signal_list.concerns_parent_problems`` for every item and every
    category of the signal list, alone and together, on signals and on details added later; a code that only begins
    like one (``parent.ill`` and ``parent.illness``) is not it."""
    from cases import selectors, signal_list
    from cases.models import Signal, SignalListAddition

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil)
    first = case.signals.get()
    lists = [([code], []) for code in sorted(signal_list.ITEM_CODES)]
    lists += [([], [code]) for code in sorted(signal_list.CATEGORY_CODES)]
    lists += [(sorted(signal_list.ITEM_CODES), sorted(signal_list.CATEGORY_CODES)), (["parent.illness"], ["witness"])]
    Signal.objects.bulk_create(
        [factories.make_signal(case=case, author=cast_a.teacher, items=i, categories=c) for i, c in lists]
    )
    SignalListAddition.objects.bulk_create(
        [SignalListAddition(case=case, author=cast_a.teacher, signal=first, items=i, categories=c) for i, c in lists]
    )
    flagged = {(kind, pk) for kind, pk, _at in selectors.case_timeline_page(case=case, page=None).flagged}
    for model, kind in ((Signal, "signal"), (SignalListAddition, "signaladdition")):
        rows = model.objects.filter(case=case).exclude(pk=first.pk if model is Signal else None)
        expected = {
            pk
            for pk, items, categories in rows.values_list("pk", "items", "categories")
            if signal_list.concerns_parent_problems(items=items, categories=categories)
        }
        assert len(expected) == len(signal_list.PARENT_PROBLEM_ITEMS) + 2  # + witnessing, and all codes at once
        assert set(rows.filter(signal_list.parent_problems_condition()).values_list("pk", flat=True)) == expected
        assert {pk for k, pk in flagged if k == kind} == expected


@pytest.mark.parametrize("later", ["signal", "details"])
def test_the_case_page_and_the_form_prompt_alike_before_and_after_a_kindcheck(cast_a, later):
    """The case page knows the latest kindcheck from the chronology's index; the consultation form asks the
    database. Both prompt for the same signals: before any kindcheck, not after one, and again for a signal (or
    details from the signal list) recorded after it."""
    from cases import permissions as perms
    from cases.models import SignalListAddition

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil)
    assert prompts(case) == ([], [])
    named = services.signal_record(
        user=cast_a.teacher, case=case, signal=factories.make_signal(items=["parent.ill"], categories=["parent"])
    )
    assert prompts(case) == ([named], [named])
    services.entry_record(user=cast_a.ib, case=case, entry=kindcheck(), permission=perms.CONSULT)
    assert prompts(case) == ([], [])
    if later == "signal":
        again = services.signal_record(
            user=cast_a.teacher, case=case, signal=factories.make_signal(items=[], categories=["witnessing"])
        )
    else:
        again = case.signals.order_by("pk").first()
        SignalListAddition.objects.create(case=case, author=cast_a.teacher, signal=again, items=["parent.addicted"])
    assert prompts(case) == ([again], [again])


def test_a_corrected_signal_prompts_as_its_correction_says(cast_a):
    """A correction replaces what it corrects: a parent's problem corrected away prompts no more, and one that a
    correction adds prompts (the case page and the consultation form alike)."""
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil, items=["parent.addicted"], categories=["parent"])
    original = case.signals.get()
    assert prompts(case) == ([original], [original])
    plain = factories.make_signal(items=["physical.bruises"], categories=["physical"])
    corrected = services.signal_record(user=cast_a.teacher, case=case, signal=plain, corrects=original)
    assert prompts(case) == ([], [])
    named = factories.make_signal(items=[], categories=["witnessing"])
    again = services.signal_record(user=cast_a.teacher, case=case, signal=named, corrects=corrected)
    assert prompts(case) == ([again], [again])


def test_the_prompt_stays_until_a_kindcheck_is_recorded_and_comes_back_with_a_new_signal(cast_a, client_for):
    from cases import permissions as perms
    from cases import selectors

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil, items=["parent.addicted"], categories=["parent"])
    factories.advance(cast_a.teacher, case, "to_consulting")
    url = reverse("cases:case-detail", kwargs={"pk": case.pk})
    consult_url = reverse("cases:consultation-add", kwargs={"pk": case.pk})
    assert len(client_for(cast_a.ib).get(url).context["kindcheck_signals"]) == 1
    assert len(client_for(cast_a.ib).get(consult_url).context["kindcheck_signals"]) == 1  # the consultation step
    assert client_for(cast_a.teacher).get(url).context["kindcheck_signals"] == []  # not the teacher's to do
    services.entry_record(user=cast_a.ib, case=case, entry=kindcheck(), permission=perms.CONSULT)
    assert client_for(cast_a.ib).get(url).context["kindcheck_signals"] == []
    services.signal_record(
        user=cast_a.teacher, case=case, signal=factories.make_signal(items=["parent.ill"], categories=["parent"])
    )
    assert len(selectors.kindcheck_prompt(case=case)) == 1


# --- Item 6: earlier cases ---------------------------------------------------------------------------------------


def closed_case(cast, pupil) -> Case:
    case = factories.case_in_state(cast, "weighing", pupil=pupil)
    weigh(cast.af, case, "A")
    return services.case_close(
        user=cast.af,
        case=case,
        closure=closure(reason_code="no_action", text="Geen actie nodig."),
        expected_state="weighing",
    )


def test_a_new_case_links_to_the_pupils_previous_case(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    second, opened = services.signal_submit(
        user=cast_a.teacher, school=cast_a.school, pupil=pupil, route="A", signal=factories.make_signal()
    )
    assert opened and second.pk != first.pk
    assert fresh(second).previous_case_id == first.pk
    other = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    assert other.previous_case_id is None


@pytest.mark.parametrize(
    "role,sees",
    [("ib", True), ("af", True), ("teacher", False), ("other_teacher", False), ("contact_person", False)],
)
def test_earlier_cases_are_for_the_ib_and_the_af_only(cast_a, client_for, role, sees):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    second = factories.open_case(cast_a.teacher, pupil)
    user = cast_a.by_role(role)
    response = client_for(user).get(reverse("cases:case-detail", kwargs={"pk": second.pk}))
    if response.status_code == 404:  # (a teacher of another group, the contact person: not their case at all)
        assert not sees
        return
    earlier = response.context["earlier_cases"]
    assert [e.case.pk for e in earlier] == ([first.pk] if sees else [])
    assert (first.reference in response.content.decode()) == sees
    if sees:
        assert earlier[0].outcome == nl("no action needed (question 1 = A)")
        listed = AuditEvent.objects.filter(case=first, user=user, action=AuditEvent.Action.VIEW)
        assert listed.filter(target__startswith="listed as earlier case").count() == 1


def test_earlier_cases_of_another_school_are_not_listed(cast_a, cast_b):
    from cases import selectors

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    closed_case(cast_a, pupil)
    assert selectors.earlier_cases(user=cast_b.ib, school_id=cast_b.school.pk, pupil_ids=[pupil.pk]) == []
    assert selectors.earlier_cases(user=cast_b.ib, school_id=cast_a.school.pk, pupil_ids=[pupil.pk]) == []


def test_the_new_signal_flow_shows_earlier_cases_to_the_ib(cast_a, client_for):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    url = reverse("cases:pupil-earlier-cases", kwargs={"school_id": cast_a.school.pk})
    response = client_for(cast_a.ib).get(url, {"leerling": pupil.pk})
    assert response.status_code == 200
    assert [e.case.pk for e in response.context["earlier_cases"]] == [first.pk]
    assert AuditEvent.objects.filter(case=first, user=cast_a.ib, target__contains="new signal").count() == 1
    assert client_for(cast_a.teacher).get(url, {"leerling": pupil.pk}).status_code == 403
    # The new-signal page links there for the IB'er, not for the teacher.
    signal_url = reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk})
    assert url in client_for(cast_a.ib).get(signal_url).content.decode()
    assert url not in client_for(cast_a.teacher).get(signal_url).content.decode()


def test_a_pupil_of_another_school_is_not_found(cast_a, cast_b, client_for):
    stranger = factories.PupilFactory(class_group=cast_b.group1)
    url = reverse("cases:pupil-earlier-cases", kwargs={"school_id": cast_a.school.pk})
    assert client_for(cast_a.ib).get(url, {"leerling": stranger.pk}).status_code == 404


def look_back(reference: str, **overrides) -> LookBack:
    data = {"earlier_reference": reference, "finding": "confirmed", "explanation": "Dezelfde blauwe plekken."}
    data.update(overrides)
    return LookBack(**data)


def test_looking_back_records_whether_the_earlier_suspicion_is_confirmed(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    second = factories.case_in_state(cast_a, "consulting", pupil=pupil)
    entry = services.look_back_record(user=cast_a.ib, case=second, look_back=look_back(first.reference))
    stored = LookBack.objects.get(pk=entry.pk)
    assert (stored.earlier_reference, stored.finding, stored.pupil_id) == (first.reference, "confirmed", pupil.pk)


@pytest.mark.parametrize("what", ["not_earlier", "teacher", "signalling"])
def test_looking_back_is_refused(cast_a, what):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    other = closed_case(cast_a, factories.PupilFactory(class_group=cast_a.group1))
    case = factories.case_in_state(cast_a, "signalling" if what == "signalling" else "consulting", pupil=pupil)
    before = snapshot(case)
    if what == "not_earlier":
        with pytest.raises(ValidationError) as refused:
            services.look_back_record(user=cast_a.ib, case=case, look_back=look_back(other.reference))
        assert_message(refused.value.message_dict["earlier_reference"][0], "Choose one of the pupil's earlier cases.")
    elif what == "teacher":
        with pytest.raises(PermissionDenied):
            services.look_back_record(user=cast_a.teacher, case=case, look_back=look_back(first.reference))
    else:
        with pytest.raises(services.NotNowError) as refused:
            services.look_back_record(user=cast_a.ib, case=case, look_back=look_back(first.reference))
        assert_message(refused.value, "Looking back at earlier cases is recorded up to the weighing's outcome.")
    assert snapshot(case) == before


def test_a_look_back_is_hidden_from_the_teacher(cast_a, client_for):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    case = factories.case_in_state(cast_a, "consulting", pupil=pupil)
    entry = services.look_back_record(user=cast_a.ib, case=case, look_back=look_back(first.reference))
    assert visibility.level(visibility.reader_for(cast_a.teacher, case), "lookback", entry) == visibility.HIDDEN
    page = client_for(cast_a.teacher).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    assert first.reference not in page
    assert nl("An earlier case was looked back at.") not in page
    # The IB'er is offered it on the case page (there is an earlier case) and records it through the form.
    ib = client_for(cast_a.ib)
    add = reverse("cases:lookback-add", kwargs={"pk": case.pk})
    assert add in [
        a["url"] for a in ib.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).context["next_actions"]
    ]
    response = ib.post(add, {"earlier_reference": first.reference, "finding": "refuted", "explanation": "Uitgezocht."})
    assert response.status_code == 302
    assert LookBack.objects.filter(case=case, finding="refuted").exists()


def test_look_back_is_not_offered_without_earlier_cases(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    page = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    assert reverse("cases:lookback-add", kwargs={"pk": case.pk}) not in [a["url"] for a in page.context["next_actions"]]


def test_destroying_the_earlier_case_keeps_the_later_one(cast_a):
    from dossier import retention

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    first = closed_case(cast_a, pupil)
    second = factories.open_case(cast_a.teacher, pupil)
    assert second.previous_case_id == first.pk
    Case.objects.filter(pk=first.pk).update(retention_until=timezone.localdate() - datetime.timedelta(days=1))
    retention.destroy_cases(case_ids=[first.pk], operator=cast_a.af)
    assert not Case.objects.filter(pk=first.pk).exists()
    assert fresh(second).previous_case_id is None


# --- Item 7: route C ---------------------------------------------------------------------------------------------


def route_c_case(cast, state: str = "consulting", pupil=None) -> Case:
    pupil = pupil or factories.PupilFactory(class_group=cast.group1)
    case = factories.open_case(cast.teacher, pupil, route="C")
    if state == "signalling":
        return fresh(case)
    factories.advance(cast.teacher, case, "to_consulting")
    if state == "consulting":
        return fresh(case)
    factories.add_consultation(cast.ib, case)
    factories.advance(cast.ib, case, "to_parent_talk")
    factories.add_conversation(cast.ib, case)
    factories.advance(cast.ib, case, "to_weighing")
    assert state == "weighing"
    return fresh(case)


def involved(pupil, part: str = "acted", **overrides) -> PupilInvolvement:
    return PupilInvolvement(pupil=pupil, part=part, note=overrides.pop("note", "Duwde in de gang."), **overrides)


def test_route_c_records_several_pupils_with_their_part(cast_a):
    case = route_c_case(cast_a)
    affected = case.pupils.get()
    other = factories.PupilFactory(class_group=cast_a.group2)
    witness = factories.PupilFactory(class_group=cast_a.group2)
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(affected, "affected"))
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(other, "acted"))
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(witness, "witness"))
    assert set(fresh(case).pupils.all()) == {affected, other, witness}
    parts = dict(PupilInvolvement.objects.filter(case=case).values_list("pupil_id", "part"))
    assert parts == {affected.pk: "affected", other.pk: "acted", witness.pk: "witness"}
    # The teacher of the other pupils' group sees the case now.
    from cases import permissions as perms

    assert perms.case_queryset_for_user(cast_a.other_teacher).filter(pk=case.pk).exists()


ONLY_ROUTE_C = "Only a case of route C (behaviour between pupils) records several pupils with their part."
ALREADY = "This pupil's part is already recorded: correct that record instead."


@pytest.mark.parametrize("what", ["route_a", "twice", "teacher", "other_school", "closed"])
def test_a_pupil_involved_is_refused(cast_a, cast_b, what):
    if what == "route_a":
        case = factories.case_in_state(cast_a, "consulting")
    elif what == "closed":
        case = route_c_case(cast_a, "weighing")
        services.entry_record(user=cast_a.af, case=case, entry=_flag(), permission="consult_case")
        weigh(cast_a.af, case, "A")
        case = services.case_close(
            user=cast_a.af,
            case=case,
            closure=closure(reason_code="no_action", text="Niets."),
            expected_state="weighing",
        )
    else:
        case = route_c_case(cast_a)
    pupil = factories.PupilFactory(class_group=cast_a.group2)
    if what == "twice":
        services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(pupil))
    if what == "other_school":
        pupil = factories.PupilFactory(class_group=cast_b.group1)
    before = snapshot(case)
    user = cast_a.teacher if what == "teacher" else cast_a.ib
    if what in ("teacher", "other_school"):
        with pytest.raises(PermissionDenied):
            services.pupil_involvement_record(user=user, case=case, involvement=involved(pupil))
    elif what == "closed":
        with pytest.raises(services.CaseClosedError):
            services.pupil_involvement_record(user=user, case=case, involvement=involved(pupil))
    else:
        with pytest.raises((services.NotNowError, ValidationError)) as refused:
            services.pupil_involvement_record(user=user, case=case, involvement=involved(pupil))
        message = refused.value.messages[0] if isinstance(refused.value, ValidationError) else refused.value
        assert_message(message, ONLY_ROUTE_C if what == "route_a" else ALREADY)
    assert snapshot(case) == before


def test_a_pupils_part_is_corrected_not_recorded_twice(cast_a):
    case = route_c_case(cast_a)
    pupil = factories.PupilFactory(class_group=cast_a.group2)
    first = services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(pupil, "witness"))
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(pupil, "acted"), corrects=first)
    rows = list(PupilInvolvement.objects.filter(case=case, pupil=pupil).order_by("pk").values_list("part", flat=True))
    assert rows == ["witness", "acted"]  # both kept


def test_the_form_adds_a_pupil_involved(cast_a, client_for):
    case = route_c_case(cast_a)
    pupil = factories.PupilFactory(class_group=cast_a.group2)
    url = reverse("cases:involvement-add", kwargs={"pk": case.pk})
    response = client_for(cast_a.ib).post(url, {"pupil": pupil.pk, "part": "acted", "note": "Schopte."})
    assert response.status_code == 302
    assert fresh(case).pupils.filter(pk=pupil.pk).exists()
    # On a route A case the form says why not, and nothing changes.
    case_a = factories.case_in_state(cast_a, "consulting")
    before = snapshot(case_a)
    url = reverse("cases:involvement-add", kwargs={"pk": case_a.pk})
    response = client_for(cast_a.ib).post(url, {"pupil": pupil.pk, "part": "acted", "note": "Schopte."})
    assert response.status_code == 200
    assert nl(ONLY_ROUTE_C) in response.context["form"].non_field_errors()
    assert snapshot(case_a) == before


def _flag(**overrides) -> FlagAssessment:
    data = {"kind": "individual", "flag": "red", **{c: "not_ok" for c in CRITERIA}}
    data.update(overrides)
    return FlagAssessment(**data)


FLAG_FIRST = "Route C: record a vlaggensysteem assessment before the weighing's outcome."


@pytest.mark.parametrize("outcome", ["close", "report", "help"])
@pytest.mark.parametrize("with_flag", [False, True])
def test_route_c_needs_the_vlaggensysteem_before_the_weighings_outcome(cast_a, outcome, with_flag):
    from cases import permissions as perms

    case = route_c_case(cast_a, "weighing")
    if with_flag:
        services.entry_record(user=cast_a.ib, case=case, entry=_flag(), permission=perms.CONSULT)
    if outcome == "close":
        weigh(cast_a.af, case, "A")
        call = lambda: services.case_close(  # noqa: E731
            user=cast_a.af,
            case=case,
            closure=closure(reason_code="no_action", text="Niets."),
            expected_state="weighing",
        )
        target = "closed"
    elif outcome == "report":
        weigh(cast_a.af, case, "B", "yes")
        call = lambda: services.case_report(user=cast_a.af, case=case, report=vt_report(), expected_state="weighing")  # noqa: E731
        target = "reported"
    else:
        weigh(cast_a.af, case, "B", "no", "yes", "yes")
        call = lambda: services.help_plan_start(  # noqa: E731
            user=cast_a.af, case=case, plan=help_plan(cast_a.ib), tasks=help_tasks(), expected_state="weighing"
        )
        target = "help"
    before = snapshot(case)
    if with_flag:
        assert call().state == target
    else:
        with pytest.raises(services.TransitionBlockedError) as refused:
            call()
        assert nl(FLAG_FIRST) in refused.value.reasons
        assert snapshot(case) == before


def test_route_a_needs_no_vlaggensysteem(cast_a):
    case = factories.case_in_state(cast_a, "weighing")
    weigh(cast_a.af, case, "A")
    closed = services.case_close(
        user=cast_a.af, case=case, closure=closure(reason_code="no_action", text="Niets."), expected_state="weighing"
    )
    assert closed.state == "closed"


def test_the_vlaggensysteem_is_offered_from_step_2_in_route_c(cast_a, client_for):
    case = route_c_case(cast_a)
    page = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    urls = [a["url"] for a in page.context["next_actions"]]
    assert reverse("cases:flag-add", kwargs={"pk": case.pk}) in urls
    assert reverse("cases:involvement-add", kwargs={"pk": case.pk}) in urls


def test_each_pupils_parents_get_their_own_extract(cast_a):
    case = route_c_case(cast_a)
    affected = case.pupils.get()
    actor = factories.PupilFactory(class_group=cast_a.group2, first_name="Bram", last_name="Visser")
    mine = services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(affected, "affected"))
    theirs = services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(actor, "acted"))
    talk_theirs = services.child_conversation_record(
        user=cast_a.ib, case=case, conversation=talk(case, pupil=actor, child_words="“Ik deed het niet expres.”")
    )
    case = fresh_with_pupils(case)
    extract = dossier_services.build_extract(case, pupil=affected)
    by_pk = {(i.kind, i.entry.pk): i for i in extract.items}
    assert extract.pupils == [affected]
    assert by_pk[("involvement", mine.pk)].included
    assert not by_pk[("involvement", theirs.pk)].included
    assert not by_pk[("childconversation", talk_theirs.pk)].included
    assert str(by_pk[("childconversation", talk_theirs.pk)].reason) == str(
        nl("other pupils are not named in the extract, not even by their initials")
    )
    # The other pupil's extract: the other way round.
    other = dossier_services.build_extract(case, pupil=actor)
    by_pk = {(i.kind, i.entry.pk): i for i in other.items}
    assert by_pk[("involvement", theirs.pk)].included and not by_pk[("involvement", mine.pk)].included
    # A release for several pupils names the pupil; without one it is refused, nothing stored.
    with pytest.raises(ValidationError) as refused:
        dossier_tasks.extract_release_request(user=cast_a.af, case=case, pupil=None)
    assert_message(
        refused.value.messages[0],
        "This case is about several pupils: choose the pupil whose parents receive the extract.",
    )
    assert not ExtractJob.objects.filter(case=case).exists()
    job = dossier_tasks.extract_release_request(user=cast_a.af, case=case, pupil=affected)
    assert job.pupil_id == affected.pk


def test_the_preview_shows_one_pupils_extract_at_a_time(cast_a, client_for):
    case = route_c_case(cast_a)
    affected = case.pupils.get()
    actor = factories.PupilFactory(class_group=cast_a.group2)
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(actor, "acted"))
    url = reverse("dossier:extract-preview", kwargs={"pk": case.pk})
    af = client_for(cast_a.af)
    assert af.get(url).context["extract"].pupils == [affected] or af.get(url).context["extract"].pupils == [actor]
    response = af.get(url, {"leerling": actor.pk})
    assert response.context["extract"].pupils == [actor]
    assert {p.pk for p in response.context["case_pupils"]} == {affected.pk, actor.pk}


def test_a_request_of_another_pupils_parent_is_not_in_this_pupils_extract(cast_a):
    from cases.models import AccessRequest

    case = route_c_case(cast_a)
    affected = case.pupils.get()
    actor = factories.PupilFactory(class_group=cast_a.group2)
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(actor, "acted"))
    theirs = dossier_services.access_request_record(
        user=cast_a.ib,
        case=fresh(case),
        request=AccessRequest(
            kind="inspection", received_on=timezone.localdate(), requester=factories.GuardianFactory(pupil=actor)
        ),
    )
    case = fresh_with_pupils(case)
    mine = {(i.kind, i.entry.pk): i for i in dossier_services.build_extract(case, pupil=affected).items}
    own = {(i.kind, i.entry.pk): i for i in dossier_services.build_extract(case, pupil=actor).items}
    assert not mine[("accessrequest", theirs.pk)].included
    assert own[("accessrequest", theirs.pk)].included


def test_a_conversation_with_one_pupils_parents_is_only_in_that_pupils_extract(cast_a, client_for):
    case = route_c_case(cast_a)
    affected = case.pupils.get()
    actor = factories.PupilFactory(class_group=cast_a.group2)
    services.pupil_involvement_record(user=cast_a.ib, case=case, involvement=involved(actor, "acted"))
    # With several pupils, whose parents is asked; without it, refused with the reason and nothing stored.
    before = snapshot(case)
    with pytest.raises(ValidationError) as refused:
        factories.add_conversation(cast_a.ib, fresh(case))
    assert_message(
        refused.value.message_dict["pupil"][0],
        "This case is about several pupils: say whose parents the conversation was with.",
    )
    assert snapshot(case) == before
    theirs = factories.add_conversation(cast_a.ib, fresh(case), pupil=actor)
    case = fresh_with_pupils(case)
    mine = {(i.kind, i.entry.pk): i for i in dossier_services.build_extract(case, pupil=affected).items}
    own = {(i.kind, i.entry.pk): i for i in dossier_services.build_extract(case, pupil=actor).items}
    assert not mine[("conversation", theirs.pk)].included
    assert own[("conversation", theirs.pk)].included
    # The form asks for it only in a case about several pupils.
    form_url = reverse("cases:conversation-add", kwargs={"pk": case.pk})
    assert "pupil" in client_for(cast_a.ib).get(form_url).context["form"].fields
    single = factories.case_in_state(cast_a, "parent_talk")
    single_url = reverse("cases:conversation-add", kwargs={"pk": single.pk})
    assert "pupil" not in client_for(cast_a.ib).get(single_url).context["form"].fields


def test_the_prompt_also_follows_details_added_from_the_signal_list_after_saving(cast_a, client_for):
    """The quick signal (issue 15) leaves the signal list for later: a parent's problem ticked there, as a record of
    its own beside the signal, prompts the kindcheck as well, and a kindcheck recorded after it ends the prompt."""
    from cases import permissions as perms
    from cases import selectors

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil)
    signal = case.signals.get()
    assert selectors.kindcheck_prompt(case=case) == []
    teacher = client_for(cast_a.teacher)
    details = reverse("cases:signal-details", kwargs={"pk": case.pk, "signal_id": signal.pk})
    assert teacher.post(details, {"items": ["parent.addicted"]}).status_code == 302
    assert selectors.kindcheck_prompt(case=case) == [signal]
    factories.advance(cast_a.teacher, case, "to_consulting")
    url = reverse("cases:case-detail", kwargs={"pk": case.pk})
    assert client_for(cast_a.ib).get(url).context["kindcheck_signals"] == [signal]
    services.entry_record(user=cast_a.ib, case=case, entry=kindcheck(), permission=perms.CONSULT)
    assert selectors.kindcheck_prompt(case=case) == []
