"""Retention and destruction (domain.md §6): expired closed cases are destroyed with everything recorded about them,
a legal hold blocks it, cases not yet expired are untouched, and the destruction record holds no personal data.
The scan runs on SQLite and on PostgreSQL (where the append-only triggers must be switched off for the deletes)."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    AccessRequest,
    AccessRequestHandled,
    AuditEvent,
    Case,
    CaseUserObjectPermission,
    Closure,
    LegalHold,
    Signal,
    Transition,
    WeighingAnswer,
)
from dossier import retention
from dossier import services as dossier_services
from dossier.models import DestructionRecord
from schools.models import Guardian, Pupil
from tests import factories

MARKER = "Zwavelgeel-7Q"  # a unique string put into the case's texts


def closed_case(cast, marker: str = MARKER, pupil=None):
    """A case with a chronology in several kinds of record (signal, consultation, conversation, weighing, parents'
    request and its answer, audit rows, permissions), closed after question 1 = A."""
    pupil = pupil or factories.PupilFactory(class_group=cast.group1, last_name=f"Achternaam{marker}")
    guardian = factories.GuardianFactory(pupil=pupil, name="Ouder Proefmoeder")
    case = factories.case_in_state(cast, "weighing", pupil=pupil)
    services.signal_record(user=cast.teacher, case=case, signal=factories.make_signal(description=f"Gezien: {marker}"))
    services.weighing_answer_record(
        user=cast.af,
        case=case,
        answer=WeighingAnswer(question=1, answer="A", justification=f"Verklaard: {marker}"),
    )
    request = dossier_services.access_request_record(
        user=cast.ib,
        case=case,
        request=AccessRequest(
            kind="inspection", received_on=timezone.localdate(), requester=guardian, details=f"Inzage gevraagd {marker}"
        ),
    )
    dossier_services.access_request_handle(
        user=cast.ib,
        case=case,
        handled=AccessRequestHandled(
            request=request, handled_on=timezone.localdate(), outcome="granted", notes=f"Uittreksel meegegeven {marker}"
        ),
    )
    services.case_close(
        user=cast.af,
        case=case,
        closure=Closure(reason_code="no_action", text=f"Gesloten {marker}", parents_told=True),
        expected_state="weighing",
    )
    return Case.objects.get(pk=case.pk)


def rows_containing(text: str) -> dict[str, int]:
    """Every table of the database, every row: how many rows hold ``text`` in any column."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            hits = sum(1 for row in cursor.fetchall() if any(text in str(value) for value in row))
            if hits:
                found[table] = hits
    return found


def later(case, days=1) -> datetime.date:
    return case.retention_until + datetime.timedelta(days=days)


def test_closing_sets_the_retention_date(cast_a):
    case = closed_case(cast_a)
    assert case.retention_until == (case.closed_at + datetime.timedelta(days=365 * 2)).date()


def test_destruction_leaves_no_trace_of_the_case(cast_a):
    case = closed_case(cast_a)
    pupil = case.pupils.get()
    kept = closed_case(cast_a, marker="Blijftstaan-3X")  # not expired on the day: closed later
    Case.objects.filter(pk=kept.pk).update(retention_until=later(case, 30))
    assert rows_containing(MARKER).keys() >= {"cases_signal", "cases_closure", "cases_accessrequest", "schools_pupil"}
    assert CaseUserObjectPermission.objects.filter(content_object=case).exists()
    assert AuditEvent.objects.filter(case=case).exists()

    record = retention.destroy_cases(case_ids=[case.pk, kept.pk], operator=cast_a.af, today=later(case))

    # Only the pupil record (a school record, kept by the pupil administration's own term) holds the name.
    assert rows_containing(MARKER) == {"schools_pupil": 1}
    assert Pupil.objects.filter(pk=pupil.pk).exists()
    assert Guardian.objects.filter(pupil=pupil).exists()
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Transition.objects.filter(case_id=case.pk).exists()
    assert not AuditEvent.objects.filter(case_id=case.pk).exists()
    assert not CaseUserObjectPermission.objects.filter(content_object_id=case.pk).exists()
    # The case that has not expired is untouched, with everything in it.
    assert Case.objects.filter(pk=kept.pk).exists()
    assert Signal.objects.filter(case=kept).count() == 2
    assert "cases_signal" in rows_containing("Blijftstaan-3X")
    # The destruction record: when, by whom, how many, per school — nothing personal.
    assert (record.case_count, record.operator, record.per_school) == (1, cast_a.af, {cast_a.school.brin: 1})


def test_a_legal_hold_blocks_destruction_until_it_is_lifted(cast_a):
    case = closed_case(cast_a)
    dossier_services.legal_hold_set(user=cast_a.af, case=case, placed=True, reason="Klachtprocedure loopt.")
    assert Case.objects.get(pk=case.pk).legal_hold

    record = retention.destroy_cases(case_ids=[case.pk], operator=cast_a.af, today=later(case))

    assert record.case_count == 0
    assert Signal.objects.filter(case=case).count() == 2
    dossier_services.legal_hold_set(user=cast_a.af, case=case, placed=False, reason="Klacht afgehandeld.")
    assert [h.placed for h in LegalHold.objects.filter(case=case)] == [True, False]
    assert retention.destroy_cases(case_ids=[case.pk], operator=cast_a.af, today=later(case)).case_count == 1
    assert not Case.objects.filter(pk=case.pk).exists()


def test_only_the_aandachtsfunctionaris_places_a_legal_hold_and_a_refusal_changes_nothing(cast_a, client_for):
    case = closed_case(cast_a)
    url = reverse("dossier:legal-hold", kwargs={"pk": case.pk})
    assert client_for(cast_a.ib).post(url, {"reason": "Zomaar."}).status_code == 403
    assert not Case.objects.get(pk=case.pk).legal_hold
    # Without a reason: the form again, in Dutch, nothing changed.
    response = client_for(cast_a.af).post(url, {"reason": "  "})
    assert response.status_code == 200 and response.context["form"].errors
    assert not LegalHold.objects.filter(case=case).exists()
    page = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    assert case.retention_until.strftime("%Y") in page.content.decode()
    assert page.context["can_hold"]


def test_open_cases_and_cases_not_yet_expired_are_not_listed(cast_a):
    case = closed_case(cast_a)
    open_case = factories.case_in_state(cast_a, "consulting")
    assert retention.expired_cases(today=case.retention_until) == []
    assert [c.pk for c in retention.expired_cases(today=later(case))] == [case.pk]
    record = retention.destroy_cases(case_ids=[case.pk, open_case.pk], operator=cast_a.af, today=case.retention_until)
    assert record.case_count == 0
    assert Case.objects.filter(pk__in=[case.pk, open_case.pk]).count() == 2


def test_the_command_lists_without_names_and_destroys_only_when_confirmed(cast_a):
    case = closed_case(cast_a)
    pupil = case.pupils.get()
    with time_machine.travel(later(case, 2), tick=False):
        out = io.StringIO()
        call_command("destroy_expired_cases", stdout=out)
        listing = out.getvalue()
        assert case.reference in listing and cast_a.school.brin in listing
        assert pupil.last_name not in listing and MARKER not in listing
        assert Case.objects.filter(pk=case.pk).exists()

        with pytest.raises(CommandError):
            call_command("destroy_expired_cases", "--confirm", stdout=io.StringIO())
        assert Case.objects.filter(pk=case.pk).exists()

        out = io.StringIO()
        call_command("destroy_expired_cases", "--confirm", "--operator", cast_a.af.username, stdout=out)
        assert "1 case(s) destroyed" in out.getvalue()
    assert not Case.objects.filter(pk=case.pk).exists()
    assert DestructionRecord.objects.get().operator == cast_a.af


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only triggers exist on PostgreSQL only")
def test_destruction_gets_past_the_triggers_on_postgresql_and_only_there(cast_a):
    from django.db import InternalError, transaction

    case = closed_case(cast_a)
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_signal WHERE case_id = %s", [case.pk])
    record = retention.destroy_cases(case_ids=[case.pk], operator=cast_a.af, today=later(case))
    assert record.case_count == 1
    assert rows_containing(MARKER) == {"schools_pupil": 1}
    # The triggers are back on afterwards.
    other = closed_case(cast_a, marker="Nogsteeds-9K")
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_signal WHERE case_id = %s", [other.pk])
