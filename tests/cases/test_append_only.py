"""The chronology is append-only (docs/domain.md §6, docs/design.md): no record is changed or deleted in place,
not through the model, not through a queryset and — on PostgreSQL — not through raw SQL. A correction is a new
record that refers to the old one; both stay visible."""

import datetime

import pgtrigger
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, InternalError, connection, models, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import permissions as perms
from cases import services
from cases.models import (
    AuditEvent,
    Case,
    Consultation,
    ConsultationAction,
    ConversationAcknowledgement,
    Kindcheck,
    ParentConversation,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    ParentView,
    Signal,
    SignalFollowUp,
    Transition,
)
from cases.models.base import AppendOnlyError, AppendOnlyModel
from dossier import services as dossier_services
from dossier.models import ExtractRelease, Redaction
from schools.models import Guardian, Pupil, School, SocialMapEntry
from tests import factories
from tests.rows import make_row

# Every append-only model of the project, found through Django's registry: a new one is covered without an edit.
MODELS = sorted((m for m in apps.get_models() if issubclass(m, AppendOnlyModel)), key=lambda m: m.__name__)
MODEL_IDS = [m.__name__ for m in MODELS]
# Every model with the append-only trigger: the append-only models, and records kept the same way without the model
# layer's refusals (the destruction record).
TRIGGERED = sorted(
    (m for m in apps.get_models() if any(t.name == "append_only" for t in getattr(m._meta, "triggers", []))),
    key=lambda m: m.__name__,
)
TRIGGERED_IDS = [m.__name__ for m in TRIGGERED]


@pytest.fixture
def given(cast_a) -> dict:
    """What a row of any append-only model refers to (tests.rows): a case at school A, its pupil and a parent, a
    partner on the social map, a member of staff."""
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    return {
        Case: factories.open_case(cast_a.teacher, pupil),
        User: cast_a.ib,
        School: cast_a.school,
        Pupil: pupil,
        Guardian: factories.GuardianFactory(pupil=pupil),
        SocialMapEntry: make_row(SocialMapEntry, given={School: cast_a.school}),
    }


@pytest.fixture
def a_row(model, given):
    """One row of ``model``, every field filled (tests.rows)."""
    return make_row(model, given=given)


def a_change(model, given) -> tuple[str, object]:
    """A field of ``model`` to try to change, and the value to try: a text if it has one, else a time, a date or a
    number, else another row to refer to."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for types, value in [
        ((models.CharField, models.TextField), "Achteraf herschreven."),
        ((models.DateTimeField,), datetime.datetime(2020, 1, 1, 12, 0, tzinfo=datetime.UTC)),
        ((models.DateField,), datetime.date(2020, 1, 1)),
        ((models.IntegerField,), 987),
    ]:
        for f in fields:
            if isinstance(f, types) and not f.is_relation and not f.choices:
                return f.name, value[: f.max_length] if isinstance(value, str) and f.max_length else value
    relation = next(f for f in fields if f.is_relation)
    return relation.name, make_row(relation.related_model, given=given)


on_postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The append-only trigger (pgtrigger) exists on PostgreSQL only; on SQLite the model layer is the "
    "protection and is tested above.",
)


@pytest.fixture
def records(cast_a):
    """A case with one record of every append-only kind, all made through the services."""
    case = factories.case_in_state(cast_a, "parent_talk")  # signal, consultation, transitions, audit events
    signal = Signal.objects.get(case=case)
    consultation = Consultation.objects.get(case=case)
    services.consultation_actions_save(
        consultation, [{"who": "IB'er", "what": "Ouders uitnodigen", "due_on": datetime.date(2026, 11, 10)}]
    )
    follow_up = services.entry_record(
        user=cast_a.teacher,
        case=case,
        entry=SignalFollowUp(
            signal=signal, outcome="confirmed", outcome_on=datetime.date(2026, 11, 5), note="Moeder bevestigde het."
        ),
        permission=perms.ADD_SIGNAL,
    )
    kindcheck = services.entry_record(
        user=cast_a.ib,
        case=case,
        entry=Kindcheck(
            done_on=datetime.date(2026, 11, 5),
            reason="Signalen over vader.",
            other_minors="no",
            outcome="Geen andere minderjarigen.",
        ),
        permission=perms.CONSULT,
    )
    conversation = services.entry_record(
        user=cast_a.ib,
        case=case,
        entry=ParentConversation(
            held_on=datetime.date(2026, 11, 6),
            attendees="moeder, IB'er",
            purpose_explained=True,
            recognition="partly",
            reaction="Moeder schrok.",
            report="Verslag van het gesprek.",
        ),
        permission=perms.TALK_PARENTS,
        save_related=lambda saved: saved.signals_discussed.add(signal),
    )
    acknowledgement = services.entry_record(
        user=cast_a.ib,
        case=case,
        entry=ConversationAcknowledgement(
            conversation=conversation,
            shared_on=datetime.date(2026, 11, 7),
            status="acknowledged",
            responded_on=datetime.date(2026, 11, 8),
            how="getekend",
        ),
        permission=perms.TALK_PARENTS,
    )
    view = services.entry_record(
        user=cast_a.ib,
        case=case,
        entry=ParentView(
            conversation=conversation,
            given_by="moeder",
            given_on=datetime.date(2026, 11, 8),
            text="Wij zien het anders.",
        ),
        permission=perms.TALK_PARENTS,
    )
    skip = services.parent_talk_skip_record(
        user=cast_a.ib, case=case, skip=ParentTalkSkip(reason="danger", explanation="Vader is dreigend geweest.")
    )
    confirmation = services.parent_talk_skip_confirm(user=cast_a.af, case=case, skip=skip)
    redaction = dossier_services.redaction_record(
        user=cast_a.af, case=case, entry_type="kindcheck", entry_id=kindcheck.pk, reason="Noemt het opvangadres."
    )
    release = dossier_services.extract_release_record(
        user=cast_a.af, case=case, generated_at=timezone.now(), checksum="a" * 64, included=3, left_out=1
    )
    found = {
        Signal: signal,
        SignalFollowUp: follow_up,
        Kindcheck: kindcheck,
        Consultation: consultation,
        ConsultationAction: ConsultationAction.objects.get(consultation=consultation),
        ParentConversation: conversation,
        ConversationAcknowledgement: acknowledgement,
        ParentView: view,
        ParentTalkSkip: skip,
        ParentTalkSkipConfirmation: confirmation,
        Transition: Transition.objects.filter(case=case).first(),
        AuditEvent: AuditEvent.objects.filter(case=case).first(),
        Redaction: redaction,
        ExtractRelease: release,
    }
    assert all(obj is not None and obj.pk for obj in found.values()), found
    return found


def row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


# --- The model and the queryset refuse ------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_saving_an_existing_row_is_refused_and_the_row_is_unchanged(a_row, model, given):
    field, value = a_change(model, given)
    before = row(model, a_row.pk)
    obj = model.objects.get(pk=a_row.pk)
    setattr(obj, field, value)
    with pytest.raises(AppendOnlyError):
        obj.save()
    with pytest.raises(AppendOnlyError):
        obj.save(update_fields=[field])
    with pytest.raises(AppendOnlyError):
        obj.save(force_update=True)
    assert row(model, obj.pk) == before
    attname = model._meta.get_field(field).attname
    assert before[attname] != getattr(obj, attname)


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_deleting_a_row_is_refused_and_the_row_stays(a_row, model):
    before = row(model, a_row.pk)
    obj = model.objects.get(pk=a_row.pk)
    with pytest.raises(AppendOnlyError):
        obj.delete()
    assert row(model, obj.pk) == before


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_queryset_update_is_refused_and_the_row_is_unchanged(a_row, model, given):
    field, value = a_change(model, given)
    pk = a_row.pk
    before = row(model, pk)
    all_before = list(model.objects.order_by("pk").values())
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=pk).update(**{field: value})
    with pytest.raises(AppendOnlyError):
        model.objects.update(**{field: value})
    obj = model.objects.get(pk=pk)
    setattr(obj, field, value)
    with pytest.raises(AppendOnlyError), transaction.atomic():  # bulk_update goes through QuerySet.update
        model.objects.bulk_update([obj], [field])
    assert row(model, pk) == before
    assert list(model.objects.order_by("pk").values()) == all_before


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_queryset_delete_is_refused_and_the_rows_stay(a_row, model):
    pk = a_row.pk
    before = counts()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=pk).delete()
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()
    assert model.objects.filter(pk=pk).exists()
    assert counts() == before


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_every_append_only_model_declares_the_trigger(model):
    """The model layer is one protection, the database's trigger the other (on PostgreSQL: installed, below)."""
    (trigger,) = [t for t in model._meta.triggers if t.name == "append_only"]
    assert isinstance(trigger, pgtrigger.Protect)
    assert str(trigger.operation) == str(pgtrigger.Update | pgtrigger.Delete)  # "UPDATE OR DELETE"


def test_the_records_made_through_the_services_are_append_only_models(records):
    """The realistic records below (made through the services) are of models covered above."""
    assert set(records) <= set(MODELS)


def test_the_related_managers_of_a_case_refuse_update_and_delete(records):
    case = records[Signal].case
    before = counts()
    with pytest.raises(AppendOnlyError):
        case.signals.update(description="Weg ermee.")
    with pytest.raises(AppendOnlyError):
        case.signals.all().delete()
    with pytest.raises(AppendOnlyError):
        case.transitions.all().delete()
    with pytest.raises(AppendOnlyError):
        case.audit_events.update(target="")
    assert counts() == before


def test_deleting_the_case_is_refused_and_its_chronology_stays(records):
    case = Case.objects.get(pk=records[Signal].case_id)
    before = counts()
    with pytest.raises((ProtectedError, AppendOnlyError)), transaction.atomic():
        case.delete()
    assert Case.objects.filter(pk=case.pk).exists()
    assert counts() == before


def test_a_new_instance_with_an_existing_primary_key_does_not_overwrite_the_row(records):
    old = records[Signal]
    before = row(Signal, old.pk)
    impostor = Signal(**{**factories.signal_data(description="Overschreven."), "case": old.case, "author": old.author})
    impostor.pk = old.pk
    with pytest.raises((AppendOnlyError, IntegrityError, DatabaseError)), transaction.atomic():
        impostor.save()
    assert row(Signal, old.pk) == before


def test_bulk_create_with_update_conflicts_does_not_overwrite_a_row(records):
    old = records[Signal]
    before = row(Signal, old.pk)
    impostor = Signal(**{**factories.signal_data(description="Overschreven."), "case": old.case, "author": old.author})
    impostor.pk = old.pk
    with pytest.raises((AppendOnlyError, IntegrityError, DatabaseError)), transaction.atomic():
        Signal.objects.bulk_create(
            [impostor], update_conflicts=True, unique_fields=["id"], update_fields=["description"]
        )
    assert row(Signal, old.pk) == before


def test_the_signals_discussed_in_a_recorded_conversation_cannot_be_changed(records):
    conversation = records[ParentConversation]
    signal = records[Signal]
    with pytest.raises((AppendOnlyError, DatabaseError)), transaction.atomic():
        conversation.signals_discussed.remove(signal)
    with pytest.raises((AppendOnlyError, DatabaseError)), transaction.atomic():
        conversation.signals_discussed.clear()
    assert list(ParentConversation.objects.get(pk=conversation.pk).signals_discussed.all()) == [signal]


# --- PostgreSQL: the trigger refuses raw SQL --------------------------------------------------------------------


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@on_postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("model", TRIGGERED, ids=TRIGGERED_IDS)
def test_the_trigger_is_installed_and_enabled_in_the_database(db, model):
    (trigger,) = [t for t in model._meta.triggers if t.name == "append_only"]
    assert trigger.get_installation_status(model) == ("INSTALLED", True)


@on_postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("model", TRIGGERED, ids=TRIGGERED_IDS)
def test_raw_sql_update_is_refused_by_the_trigger(a_row, model, given):
    field, value = a_change(model, given)
    if isinstance(value, models.Model):
        value = value.pk
    pk = a_row.pk
    before = row(model, pk)
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    # pgtrigger's RAISE EXCEPTION (SQLSTATE P0001) reaches Django as django.db.utils.InternalError.
    with pytest.raises(InternalError, match="pgtrigger: Cannot update or delete rows"), transaction.atomic():
        _raw(f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s", [value, pk])
    assert row(model, pk) == before


@on_postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("model", TRIGGERED, ids=TRIGGERED_IDS)
def test_raw_sql_delete_is_refused_by_the_trigger(a_row, model):
    pk = a_row.pk
    before = row(model, pk)
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with pytest.raises(InternalError, match="pgtrigger: Cannot update or delete rows"), transaction.atomic():
        _raw(f"DELETE FROM {table} WHERE {pk_column} = %s", [pk])
    assert row(model, pk) == before


# --- Corrections ------------------------------------------------------------------------------------------------


def _correct_signal(user, case, old, **overrides):
    return services.entry_record(
        user=user, case=case, entry=factories.make_signal(**overrides), permission=perms.ADD_SIGNAL, corrects=old
    )


def test_a_correction_is_a_new_entry_pointing_at_the_old_one_and_both_stay(cast_a):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    old = Signal.objects.get(case=case)
    before = row(Signal, old.pk)
    new = _correct_signal(cast_a.teacher, case, old, description="Blauwe plek van ongeveer 6 cm.")
    assert new.pk != old.pk
    assert Signal.objects.filter(case=case).count() == 2
    assert Signal.objects.get(pk=new.pk).corrects_id == old.pk
    assert Signal.objects.get(pk=new.pk).description == "Blauwe plek van ongeveer 6 cm."
    assert row(Signal, old.pk) == before
    assert list(old.corrections.all()) == [new]
    assert AuditEvent.objects.filter(case=case, target=f"signal {new.pk}").count() == 1


def test_correcting_the_same_entry_twice_is_refused(cast_a):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    old = Signal.objects.get(case=case)
    first = _correct_signal(cast_a.teacher, case, old, description="Eerste correctie.")
    before = counts()
    with pytest.raises(ValidationError):
        _correct_signal(cast_a.teacher, case, old, description="Tweede correctie.")
    assert counts() == before
    assert list(Signal.objects.filter(corrects=old)) == [first]
    # The newest version can be corrected in its turn.
    second = _correct_signal(cast_a.teacher, case, first, description="Correctie van de correctie.")
    assert second.corrects_id == first.pk
    assert Signal.objects.filter(case=case).count() == 3


def test_correcting_an_entry_of_another_case_is_refused(cast_a):
    case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group1))
    other_case = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group2))
    foreign = Signal.objects.get(case=other_case)
    before = counts()
    with pytest.raises(PermissionDenied):
        _correct_signal(cast_a.ib, case, foreign)
    assert counts() == before


def test_correcting_an_entry_of_another_kind_is_refused(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    signal = Signal.objects.get(case=case)
    consultation = factories.add_consultation(cast_a.ib, case)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.entry_record(
            user=cast_a.ib,
            case=case,
            entry=Kindcheck(done_on=datetime.date(2026, 11, 5), reason="x", other_minors="no", outcome="y"),
            permission=perms.CONSULT,
            corrects=signal,
        )
    with pytest.raises(PermissionDenied):
        services.entry_record(
            user=cast_a.ib, case=case, entry=factories.make_signal(), permission=perms.ADD_SIGNAL, corrects=consultation
        )
    assert counts() == before


# --- Corrections through the pages ------------------------------------------------------------------------------


def _signal_post_data(**overrides) -> dict:
    data = factories.signal_data(**overrides)
    data["observed_on"] = data["observed_on"].isoformat()
    return {k: v for k, v in data.items() if v is not None}


def test_the_correction_form_starts_with_the_old_values(cast_a, client_for):
    case = factories.open_case(
        cast_a.teacher,
        factories.PupilFactory(class_group=cast_a.group1),
        place="gymzaal",
        description="Tijdens de gymles zag ik een blauwe plek op de rug.",
        others_present="K.L., M.v.D.",
    )
    old = Signal.objects.get(case=case)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk})
    response = client_for(cast_a.teacher).get(url, {"corrigeert": old.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.instance.pk is None  # a new record, not the old one
    assert form.initial["description"] == old.description
    assert form.initial["place"] == "gymzaal"
    assert form.initial["kind"] == "fact"
    assert response.context["corrects"] == old
    html = response.content.decode()
    assert "Tijdens de gymles zag ik een blauwe plek op de rug." in html
    assert 'value="gymzaal"' in html
    assert 'value="K.L., M.v.D."' in html


def test_posting_a_correction_creates_a_new_entry_and_the_case_page_shows_both(cast_a, client_for):
    case = factories.open_case(
        cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1), description="Oude omschrijving: 4 cm."
    )
    old = Signal.objects.get(case=case)
    before = row(Signal, old.pk)
    client = client_for(cast_a.teacher)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk}) + f"?corrigeert={old.pk}"
    response = client.post(url, _signal_post_data(description="Nieuwe omschrijving: 6 cm."))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    assert response["Location"] == reverse("cases:case-detail", kwargs={"pk": case.pk})
    new = Signal.objects.exclude(pk=old.pk).get(case=case)
    assert new.corrects_id == old.pk
    assert new.description == "Nieuwe omschrijving: 6 cm."
    assert new.author == cast_a.teacher
    assert row(Signal, old.pk) == before

    page = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    html = page.content.decode()
    assert "Oude omschrijving: 4 cm." in html
    assert "Nieuwe omschrijving: 6 cm." in html
    assert html.count("entry-corrected") == 1  # only the old one is marked corrected
    assert "Gecorrigeerd" in html
    assert "correctie van een eerdere vastlegging" in html
    # Only the newest version offers "correct".
    assert f"?corrigeert={old.pk}" not in html
    assert f"?corrigeert={new.pk}" in html


def test_posting_a_second_correction_of_the_same_entry_is_refused_on_the_page(cast_a, client_for):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    old = Signal.objects.get(case=case)
    _correct_signal(cast_a.teacher, case, old, description="Eerste correctie.")
    before = counts()
    url = reverse("cases:signal-add", kwargs={"pk": case.pk}) + f"?corrigeert={old.pk}"
    response = client_for(cast_a.teacher).post(url, _signal_post_data(description="Tweede correctie, te laat."))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "Tweede correctie, te laat." in response.content.decode()
    assert counts() == before


def test_correcting_an_entry_of_another_case_through_the_page_is_not_found(cast_a, client_for):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    other = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    foreign = Signal.objects.get(case=other)
    client = client_for(cast_a.teacher)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk}) + f"?corrigeert={foreign.pk}"
    before = counts()
    assert client.get(url).status_code == 404
    assert client.post(url, _signal_post_data()).status_code == 404
    refused = AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, case=case).count()
    assert refused == 2  # both refusals are in the case's audit trail, and nothing else was written
    assert counts() == {**before, "AuditEvent": before["AuditEvent"] + refused}


def test_a_parents_view_cannot_be_corrected_through_the_page(records, cast_a, client_for):
    view = records[ParentView]
    url = reverse("cases:parentview-add", kwargs={"pk": view.case_id})
    assert client_for(cast_a.ib).get(url, {"corrigeert": view.pk}).status_code == 404


def test_future_dates_are_still_refused_in_a_correction(cast_a):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    old = Signal.objects.get(case=case)
    with pytest.raises(ValidationError):
        _correct_signal(cast_a.teacher, case, old, observed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert Signal.objects.filter(case=case).count() == 1
