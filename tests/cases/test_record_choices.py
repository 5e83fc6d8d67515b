"""Choice fields of a related record (issue 18, finding 8): every form that picks a record of the case offers only
that case's records that the user may read, each with a readable label (date · kind · first words), and refuses a
posted id of another case's record with a Dutch error; nothing is stored then."""

import datetime

import pytest
from django.forms import ModelMultipleChoiceField
from django.urls import reverse

from cases.models import (
    ConversationAcknowledgement,
    HelpEvaluation,
    HelpPlan,
    MonitoringAgreement,
    MonitoringCheckIn,
    ParentConversation,
    ParentView,
    Signal,
)
from tests import factories
from tests.rows import make_row

FOREIGN_ERROR = "hoort niet bij dit dossier"


def _second_case(cast):
    other = factories.open_case(cast.ib, factories.PupilFactory(class_group=cast.group2), description="Ander kind.")
    conversation = factories.add_conversation(cast.ib, other, report="Verslag van een ander dossier.")
    return other, conversation


def test_finding_8_the_signals_discussed_are_this_cases_own_readable(cast_a, client_for):
    case = factories.case_in_state(cast_a, "parent_talk")
    other, _conversation = _second_case(cast_a)
    own = Signal.objects.get(case=case)
    foreign = Signal.objects.get(case=other)
    client = client_for(cast_a.ib)
    url = reverse("cases:conversation-add", kwargs={"pk": case.pk})
    html = client.get(url).content.decode()
    assert "Signal object" not in html
    assert f'name="signals_discussed" value="{own.pk}"' in html
    assert f'name="signals_discussed" value="{foreign.pk}"' not in html
    assert "2 november 2026 · Feitelijke waarneming · Blauwe plek van ongeveer 4 cm op de" in html
    before = ParentConversation.objects.count()
    response = client.post(
        url,
        {
            "held_on": "2026-11-04",
            "attendees": "moeder",
            "purpose_explained": "on",
            "recognition": "partly",
            "reaction": "Moeder schrok.",
            "report": "Verslag.",
            "signals_discussed": [foreign.pk],
        },
    )
    assert response.status_code == 200
    assert FOREIGN_ERROR in response.content.decode()
    assert ParentConversation.objects.count() == before


@pytest.mark.parametrize(
    ("url_name", "field_name", "model", "data"),
    [
        (
            "acknowledgement-add",
            "conversation",
            ConversationAcknowledgement,
            {"shared_on": "2026-11-05", "status": "acknowledged", "responded_on": "2026-11-06", "how": "mail"},
        ),
        (
            "parentview-add",
            "conversation",
            ParentView,
            {"given_by": "moeder", "given_on": "2026-11-05", "text": "Oneens."},
        ),
    ],
)
def test_a_conversation_choice_offers_only_this_cases_conversations(
    url_name, field_name, model, data, cast_a, client_for
):
    case = factories.case_in_state(cast_a, "weighing")  # with a conversation of its own
    own = ParentConversation.objects.get(case=case)
    _other, foreign = _second_case(cast_a)
    client = client_for(cast_a.ib)
    url = reverse(f"cases:{url_name}", kwargs={"pk": case.pk})
    html = client.get(url).content.decode()
    assert f'value="{own.pk}"' in html and f'value="{foreign.pk}"' not in html
    assert "ParentConversation object" not in html
    assert "4 november 2026 · Gesprek met ouders · Verslag van het gesprek." in html
    before = model.objects.count()
    response = client.post(url, {**data, field_name: foreign.pk})
    assert response.status_code == 200
    assert FOREIGN_ERROR in response.content.decode()
    assert model.objects.count() == before


def _in_help(cast):
    """A case with a help plan and a monitoring agreement (rows made directly), and another case with its own."""
    case = factories.case_in_state(cast, "weighing")
    other, _conversation = _second_case(cast)
    made = {}
    for c in (case, other):
        made[c.pk] = {
            HelpPlan: make_row(HelpPlan, given={type(c): c, type(cast.ib): cast.ib}, measurable_result=f"Doel {c.pk}"),
            MonitoringAgreement: make_row(
                MonitoringAgreement, given={type(c): c, type(cast.ib): cast.ib}, what=f"Toezicht {c.pk}"
            ),
        }
    return case, other, made


def test_the_help_evaluation_and_the_check_in_offer_only_this_cases_records(cast_a, client_for):
    from cases.forms import HelpEvaluationForm, MonitoringCheckInForm

    case, other, made = _in_help(cast_a)
    form = HelpEvaluationForm(case=case, plans=HelpPlan.objects.all())
    assert list(form.fields["plan"].queryset) == [made[case.pk][HelpPlan]]
    label = form.fields["plan"].label_from_instance(made[case.pk][HelpPlan])
    assert "Hulpplan" in label and f"Doel {case.pk}" in label
    data = {
        "evaluated_on": "2026-11-05",
        "result_reached": "on",
        "findings": "Goed.",
        "plan": made[other.pk][HelpPlan].pk,
    }
    form = HelpEvaluationForm(data, case=case, plans=HelpPlan.objects.all())
    assert not form.is_valid()
    assert FOREIGN_ERROR in str(form.errors["plan"])
    form = MonitoringCheckInForm(
        {"held_on": "2026-11-05", "findings": "Rustig.", "agreement": made[other.pk][MonitoringAgreement].pk},
        case=case,
        agreements=MonitoringAgreement.objects.all(),
    )
    assert not form.is_valid()
    assert FOREIGN_ERROR in str(form.errors["agreement"])
    assert list(form.fields["agreement"].queryset) == [made[case.pk][MonitoringAgreement]]
    assert HelpEvaluation.objects.count() == 0 and MonitoringCheckIn.objects.count() == 0


def test_a_form_made_without_a_case_offers_no_records(db):
    from cases.forms import ParentConversationForm

    factories.open_case(*_opener())
    form = ParentConversationForm()
    assert list(form.fields["signals_discussed"].queryset) == []
    assert list(form.fields["signals_discussed"].choices) == []


def _opener():
    school = factories.SchoolFactory()
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, school=school, role="ib")
    return user, factories.PupilFactory(class_group=factories.ClassGroupFactory(school=school))


def test_the_parents_request_is_picked_by_a_readable_label(cast_a):
    from cases.models import AccessRequest
    from dossier.forms import AccessRequestHandledForm

    case = factories.case_in_state(cast_a, "consulting")
    guardian = factories.GuardianFactory(pupil=case.pupils.get())
    request = make_row(
        AccessRequest,
        given={type(case): case, type(cast_a.af): cast_a.af, type(guardian): guardian},
        kind="inspection",
        received_on=datetime.date(2026, 11, 12),
        details="Wij willen het dossier inzien.",
    )
    form = AccessRequestHandledForm(case=case, requests=AccessRequest.objects.filter(case=case))
    label = form.fields["request"].label_from_instance(request)
    assert label.startswith("12 november 2026 · ") and "Wij willen het dossier inzien." in label
    assert "AccessRequest object" not in label


# --- Every form with a choice of a related record, found from the forms themselves ------------------------------------


def _entry_forms() -> list[type]:
    """Every form of a case's records (``EntryForm`` and its subclasses, the registry's made forms included)."""
    import dossier.forms  # noqa: F401 - its forms are EntryForms too
    from cases import records
    from cases.forms import EntryForm

    found, todo = set(), [EntryForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    found |= {k.adding.form_class for k in records.KINDS_IN_ORDER if k.adding}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _record_choices(form_class) -> list[tuple[str, type]]:
    from django import forms as django_forms

    from cases.forms import is_case_record

    return [
        (name, field.queryset.model)
        for name, field in form_class.base_fields.items()
        if isinstance(field, django_forms.ModelChoiceField)
        and field.queryset is not None
        and is_case_record(field.queryset.model)
    ]


RECORD_CHOICE_FORMS = [(cls, name, model) for cls in _entry_forms() for name, model in _record_choices(cls)]


def test_the_forms_with_a_record_choice_are_the_known_ones():
    names = {(cls.__name__, name) for cls, name, _model in RECORD_CHOICE_FORMS}
    assert {
        ("ParentConversationForm", "signals_discussed"),
        ("AcknowledgementForm", "conversation"),
        ("ParentViewForm", "conversation"),
        ("HelpEvaluationForm", "plan"),
        ("MonitoringCheckInForm", "agreement"),
        ("AccessRequestHandledForm", "request"),
    } <= names


@pytest.mark.parametrize(
    ("form_class", "field_name", "model"),
    RECORD_CHOICE_FORMS,
    ids=[f"{cls.__name__}.{name}" for cls, name, _model in RECORD_CHOICE_FORMS],
)
def test_every_record_choice_offers_this_cases_records_readably_and_refuses_another_cases(
    form_class, field_name, model, cast_a
):
    from accounts.models import User
    from cases import selectors, visibility
    from cases.models import Case
    from schools.models import Guardian, Pupil, School, SocialMapEntry

    def rows_of(case):
        pupil = case.pupils.get()
        given = {
            Case: case,
            User: cast_a.ib,
            School: cast_a.school,
            Pupil: pupil,
            Guardian: factories.GuardianFactory(pupil=pupil),
            SocialMapEntry: make_row(SocialMapEntry, given={School: cast_a.school}),
        }
        return make_row(model, given=given)

    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    other = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    own, foreign = rows_of(case), rows_of(other)
    readable = selectors.readable_records(visibility.reader_for(cast_a.ib, case))
    form = form_class(case=case, readable=readable)
    field = form.fields[field_name]
    assert foreign not in field.queryset and own in field.queryset
    assert set(field.queryset.values_list("case_id", flat=True)) == {case.pk}
    labels = [label for value, label in field.choices if value != ""]
    assert labels and all("object (" not in str(label) and " · " in str(label) for label in labels)
    value = [foreign.pk] if isinstance(field, ModelMultipleChoiceField) else foreign.pk
    form = form_class({field_name: value}, case=case, readable=readable)
    assert not form.is_valid()
    assert FOREIGN_ERROR in str(form.errors[field_name])
    # a reader who may not read the records (the contact person: not their own) is offered none of them
    contact = selectors.readable_records(visibility.reader_for(cast_a.contact_person, case))
    assert list(form_class(case=case, readable=contact).fields[field_name].queryset) == []
