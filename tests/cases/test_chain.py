"""The tamper-evident chronology (issue 21, docs/chain.md): every record of a case has a link in the case's chain,
made in the same transaction as the record; ``verify_chronology`` recomputes every chain and names the first broken
link when a record is changed, deleted or re-ordered behind the application's back (raw SQL, the append-only
triggers switched off as a database administrator could)."""

import datetime
import threading
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, connections, models, transaction
from django.utils import timezone

from accounts.models import User
from cases import chain, records, services
from cases import permissions as perms
from cases.models import (
    Case,
    ChainLink,
    Consultation,
    ConsultationAction,
    Signal,
    SignalFollowUp,
    Transition,
)
from cases.models.base import AppendOnlyModel
from dossier import retention
from dossier import services as dossier_services
from dossier.models import DestructionRecord, ExtractRelease
from schools.models import Guardian, Pupil, School, SocialMapEntry
from tests import factories
from tests.dossier.test_retention import closed_case, later
from tests.rows import make_row

on_postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: its append-only triggers and row locks"
)


def behind_the_back(sql: str, params=()) -> None:
    """Raw SQL as a database administrator could run it: on PostgreSQL with every trigger switched off for the
    transaction (``session_replication_role = replica``: the append-only triggers and the foreign keys' checks)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def report_of(case) -> chain.CaseReport:
    (report,) = chain.verify([case.pk])
    return report


def link_of(record) -> ChainLink:
    return ChainLink.objects.get(record_type=chain.record_type(type(record)), record_id=record.pk)


@pytest.fixture
def case(cast_a):
    """A case with a signal, a consultation with an action, a follow-up, step changes and audit rows."""
    case = factories.case_in_state(cast_a, "parent_talk")
    consultation = Consultation.objects.get(case=case)
    with transaction.atomic():
        services.consultation_actions_save(
            consultation, [{"who": "IB'er", "what": "Ouders uitnodigen", "due_on": datetime.date(2026, 11, 10)}]
        )
    services.entry_record(
        user=cast_a.teacher,
        case=case,
        entry=SignalFollowUp(
            signal=Signal.objects.get(case=case),
            outcome="confirmed",
            outcome_on=datetime.date(2026, 11, 5),
            note="Moeder bevestigde het.",
        ),
        permission=perms.ADD_SIGNAL,
    )
    return case


# --- Every record gets its link -----------------------------------------------------------------------------------


def test_what_is_chained_every_record_of_a_case_but_the_audit_trail_and_the_links():
    chained = set(chain.chained_models())
    assert {kind.model for kind in records.KINDS_IN_ORDER} <= chained
    assert Transition in chained and ConsultationAction in chained
    appended = {m for m in apps.get_models() if issubclass(m, AppendOnlyModel)}
    assert appended - chained == {apps.get_model("cases.AuditEvent"), ChainLink}
    for model in chained:  # each finds its case: its own, or that of the chained record it is part of
        via = model._meta.get_field(model.chain_via)
        assert via.many_to_one or via.one_to_one
        assert via.related_model is Case or via.related_model in chained, model


@pytest.fixture
def given(cast_a) -> dict:
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    return {
        Case: factories.open_case(cast_a.teacher, pupil),
        User: cast_a.ib,
        School: cast_a.school,
        Pupil: pupil,
        Guardian: factories.GuardianFactory(pupil=pupil),
        SocialMapEntry: make_row(SocialMapEntry, given={School: cast_a.school}),
    }


@pytest.mark.parametrize("model", chain.chained_models(), ids=chain.record_type)
def test_every_kind_of_record_gets_a_link_and_verifies(model, given):
    row = make_row(model, given=given)  # straight through the model, as the large-board generator does
    link = link_of(row)
    assert link.case_id == given[Case].pk
    report = report_of(given[Case])
    assert report.ok, report.breaks
    assert report.head == (link.seq, link.link_hash) or link.seq < report.head[0]


@pytest.mark.parametrize("model", chain.chained_models(), ids=chain.record_type)
def test_bulk_created_records_get_their_links_too(model, given):
    obj = make_row(model, given=given)
    before = ChainLink.objects.count()
    values = {f.name: getattr(obj, f.name) for f in model._meta.concrete_fields if not f.primary_key}
    unique = [f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    if unique or model._meta.constraints:
        pytest.skip("a second row with the same values is refused by its constraints")
    (copy,) = model.objects.bulk_create([model(**values)])
    assert ChainLink.objects.count() == before + 1
    assert link_of(copy).seq == link_of(obj).seq + 1
    assert report_of(given[Case]).ok


def test_a_case_made_through_the_services_has_a_dense_chain_that_verifies(case):
    links = list(ChainLink.objects.filter(case=case).order_by("seq"))
    assert [link.seq for link in links] == list(range(1, len(links) + 1))
    assert links[0].prev_hash == chain.GENESIS
    assert all(b.prev_hash == a.link_hash for a, b in zip(links, links[1:], strict=False))
    stored = sum(
        model._base_manager.filter(**{f"{chain.case_path(model)}": case}).count() for model in chain.chained_models()
    )
    assert len(links) == stored
    assert chain.chain_head(case) == (links[-1].seq, links[-1].link_hash)
    assert report_of(case).ok


def test_a_rolled_back_record_leaves_no_link(cast_a, case):
    head = chain.chain_head(case)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.signal_record(user=cast_a.teacher, case=case, signal=factories.make_signal())
        assert chain.chain_head(case)[0] == head[0] + 1
        raise RuntimeError
    assert chain.chain_head(case) == head
    assert report_of(case).ok


def test_the_links_cannot_be_changed_or_deleted_by_the_application(case):
    link = ChainLink.objects.filter(case=case).first()
    with pytest.raises(Exception, match="append-only"):
        ChainLink.objects.filter(pk=link.pk).update(link_hash="0" * 64)
    with pytest.raises(Exception, match="append-only"):
        link.delete()


# --- Tampering behind the application's back ----------------------------------------------------------------------


def test_a_changed_record_is_found(case):
    signal = Signal.objects.get(case=case, corrects=None)
    behind_the_back(f"UPDATE {table(Signal)} SET description = %s WHERE id = %s", ["Niets aan de hand.", signal.pk])
    report = report_of(case)
    assert not report.ok
    assert report.first.kind == chain.CHANGED and report.first.seq == link_of(signal).seq
    assert "content changed" in str(report.first) and f"{signal.pk}" in report.first.record


def test_a_changed_time_is_found(case):
    action = ConsultationAction.objects.get(consultation__case=case)
    behind_the_back(f"UPDATE {table(ConsultationAction)} SET due_on = %s WHERE id = %s", ["2030-01-01", action.pk])
    assert report_of(case).first.kind == chain.CHANGED


def test_a_deleted_record_is_found(case):
    follow_up = SignalFollowUp.objects.get(case=case)
    seq = link_of(follow_up).seq
    behind_the_back(f"DELETE FROM {table(SignalFollowUp)} WHERE id = %s", [follow_up.pk])
    report = report_of(case)
    assert report.first.kind == chain.RECORD_MISSING and report.first.seq == seq
    assert "was deleted" in str(report.first)


def test_records_swapped_in_time_are_found(case):
    first, second = Transition.objects.filter(case=case).order_by("at")[:2]
    behind_the_back(f"UPDATE {table(Transition)} SET at = %s WHERE id = %s", [second.at, first.pk])
    behind_the_back(f"UPDATE {table(Transition)} SET at = %s WHERE id = %s", [first.at, second.pk])
    report = report_of(case)
    assert [b.kind for b in report.breaks] == [chain.CHANGED, chain.CHANGED]
    assert report.first.seq == link_of(first).seq


def test_links_swapped_in_the_chain_are_found(case):
    a, b = ChainLink.objects.filter(case=case).order_by("seq")[2:4]
    sql = f"UPDATE {table(ChainLink)} SET seq = %s WHERE id = %s"
    behind_the_back(sql, [999_999, a.pk])
    behind_the_back(sql, [a.seq, b.pk])
    behind_the_back(sql, [b.seq, a.pk])
    report = report_of(case)
    assert report.first.kind == chain.OUT_OF_ORDER and report.first.seq == a.seq
    assert "out of order" in str(report.first)


def test_a_deleted_link_is_found(case):
    link = ChainLink.objects.filter(case=case).order_by("seq")[1]
    behind_the_back(f"DELETE FROM {table(ChainLink)} WHERE id = %s", [link.pk])
    report = report_of(case)
    assert report.first.kind == chain.LINK_MISSING and report.first.seq == link.seq
    assert report.breaks[-1].kind == chain.NOT_LINKED  # its record is still there, without a link


def test_the_last_link_deleted_leaves_its_record_without_a_link(case):
    last = ChainLink.objects.filter(case=case).order_by("-seq").first()
    behind_the_back(f"DELETE FROM {table(ChainLink)} WHERE id = %s", [last.pk])
    report = report_of(case)
    assert [b.kind for b in report.breaks] == [chain.NOT_LINKED]
    assert f"{last.record_id}" in report.first.record


def test_a_case_emptied_of_its_records_and_links_is_found(case):
    from cases.models import Notification

    behind_the_back(f"DELETE FROM {table(Notification)} WHERE case_id = %s", [case.pk])  # they point at step changes
    rows = [
        (model, pk)
        for model in [ChainLink, *chain.chained_models()]
        for pk in model._base_manager.filter(
            **{"case" if model is ChainLink else chain.case_path(model): case}
        ).values_list("pk", flat=True)
    ]
    for model, pk in rows:
        behind_the_back(f"DELETE FROM {table(model)} WHERE id = %s", [pk])
    report = report_of(case)
    assert [b.kind for b in report.breaks] == [chain.LINK_MISSING] and "chain empty" in str(report.first)


def test_a_record_inserted_without_the_model_layer_is_found(cast_a, case):
    (signal,) = models.QuerySet(Signal).bulk_create([factories.make_signal(case=case, author=cast_a.teacher)])
    assert not ChainLink.objects.filter(record_type="cases.signal", record_id=signal.pk).exists()
    assert report_of(case).first.kind == chain.NOT_LINKED


def test_a_changed_link_is_found(case):
    link = ChainLink.objects.filter(case=case).order_by("seq")[1]
    behind_the_back(f"UPDATE {table(ChainLink)} SET content_hash = %s WHERE id = %s", ["f" * 64, link.pk])
    report = report_of(case)
    assert report.first.kind in (chain.LINK_CHANGED, chain.CHANGED) and report.first.seq == link.seq


def test_a_chain_recomputed_after_a_change_is_caught_by_the_head_printed_in_a_released_extract(cast_a, case):
    """An administrator who changes a record and builds the whole chain again gets a chain that holds together; the
    head printed in an extract given to the parents (stored with its release) no longer appears in it."""
    seq, head = chain.chain_head(case)
    dossier_services.extract_release_record(
        user=cast_a.af,
        case=case,
        generated_at=timezone.now(),
        checksum="a" * 64,
        included=1,
        left_out=0,
        chain_seq=seq,
        chain_head=head,
    )
    assert report_of(case).ok
    signal = Signal.objects.get(case=case, corrects=None)
    behind_the_back(f"UPDATE {table(Signal)} SET description = %s WHERE id = %s", ["Herschreven.", signal.pk])
    behind_the_back(f"DELETE FROM {table(ChainLink)} WHERE case_id = %s", [case.pk])
    with transaction.atomic():
        chain.build_missing(specs=chain.chained_specs())
    report = report_of(case)
    assert [b.kind for b in report.breaks] == [chain.ANCHOR_GONE]
    assert "chain rewritten" in str(report.first)


def test_building_the_missing_chains_of_an_old_database_verifies_clean(case, cast_a):
    other = factories.case_in_state(cast_a, "consulting")
    behind_the_back(f"DELETE FROM {table(ChainLink)} WHERE case_id = %s", [case.pk])
    assert report_of(case).first.kind == chain.NOT_LINKED
    kept = list(ChainLink.objects.filter(case=other).values_list("link_hash", flat=True))
    with transaction.atomic():
        made = chain.build_missing(specs=chain.chained_specs())
    assert made > 0
    assert report_of(case).ok and report_of(other).ok
    assert list(ChainLink.objects.filter(case=other).values_list("link_hash", flat=True)) == kept


# --- The command ---------------------------------------------------------------------------------------------------


def run(*args) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("verify_chronology", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_the_command_says_ok_for_intact_chains(case, cast_a):
    factories.case_in_state(cast_a, "consulting")
    output, error = run()
    assert error is None
    assert f"OK      {case.reference} (id {case.pk}): " in output
    assert chain.format_head(*chain.chain_head(case)) in output
    assert "2 case(s) checked, 0 broken chain(s)." in output
    assert "OK      destruction records" in output


def test_the_command_names_the_first_broken_link_and_fails(case, cast_a):
    intact = factories.case_in_state(cast_a, "consulting")
    follow_up = SignalFollowUp.objects.get(case=case)
    signal = Signal.objects.get(case=case, corrects=None)
    behind_the_back(f"UPDATE {table(Signal)} SET description = %s WHERE id = %s", ["Weg.", signal.pk])
    behind_the_back(f"DELETE FROM {table(SignalFollowUp)} WHERE id = %s", [follow_up.pk])
    output, error = run()
    assert error is not None and error.returncode == 1
    assert "1 broken chain(s)" in str(error)
    line = next(line for line in output.splitlines() if line.startswith("BROKEN"))
    assert line.startswith(f"BROKEN  {case.reference} (id {case.pk}): position {link_of(signal).seq}: content changed")
    assert "(+1 more)" in line
    assert f"OK      {intact.reference} (id {intact.pk})" in output
    output, error = run("--case", str(case.pk), "--all-breaks")
    assert error is not None and "was deleted" in output and intact.reference not in output
    output, error = run("--case", str(intact.pk))
    assert error is None and "1 case(s) checked, 0 broken" in output


# --- The annual destruction ----------------------------------------------------------------------------------------


def test_the_destruction_records_keep_a_chain_with_the_destroyed_chains_heads(cast_a):
    first_case, second_case = closed_case(cast_a), closed_case(cast_a, marker="Tweede-8R")
    head = chain.chain_head(first_case)
    first = retention.destroy_cases(case_ids=[first_case.pk], operator=cast_a.af, today=later(first_case))
    assert not ChainLink.objects.filter(case_id=first_case.pk).exists()
    assert first.chains == [{"seq": head[0], "head": head[1]}]
    assert (first.seq, first.prev_hash) == (1, chain.GENESIS)
    second = retention.destroy_cases(case_ids=[second_case.pk], operator=cast_a.af, today=later(second_case))
    assert (second.seq, second.prev_hash) == (2, first.record_hash)
    assert retention.verify_destructions() == []
    assert run()[1] is None
    behind_the_back(f"UPDATE {table(DestructionRecord)} SET case_count = 7 WHERE id = %s", [first.pk])
    assert retention.verify_destructions() == [f"destruction record {first.pk} (position 1) was changed"]
    output, error = run()
    assert error is not None and "BROKEN  destruction records" in output


def test_a_deleted_destruction_record_is_found(cast_a):
    for marker in ("Een-1A", "Twee-2B", "Drie-3C"):
        c = closed_case(cast_a, marker=marker)
        retention.destroy_cases(case_ids=[c.pk], operator=cast_a.af, today=later(c))
    middle = DestructionRecord.objects.get(seq=2)
    behind_the_back(f"DELETE FROM {table(DestructionRecord)} WHERE id = %s", [middle.pk])
    assert retention.verify_destructions() == ["destruction record at position 2 is missing (deleted)"]


# --- The extract's release records the head it printed ---------------------------------------------------------------


def test_a_release_stores_the_head_its_extract_printed(cast_a, case):
    from cases import selectors

    extract = dossier_services.build_extract(
        selectors.case_get_for_user(user=cast_a.af, case_id=case.pk, perm=perms.EXTRACT)
    )
    assert (extract.chain_seq, extract.chain_head) == chain.chain_head(case)
    seq, head = chain.chain_head(case)
    release = dossier_services.extract_release_record(
        user=cast_a.af,
        case=case,
        generated_at=timezone.now(),
        checksum="a" * 64,
        included=1,
        left_out=0,
        chain_seq=extract.chain_seq,
        chain_head=extract.chain_head,
    )
    release = ExtractRelease.objects.get(pk=release.pk)
    assert (release.chain_seq, release.chain_head) == (seq, head)
    assert link_of(release).seq == seq + 1  # the release is itself a record of the case
    assert report_of(case).ok


# --- PostgreSQL: the triggers and the lock ---------------------------------------------------------------------------


@on_postgres_only
@pytest.mark.postgres
def test_on_postgresql_a_record_cannot_be_changed_with_the_triggers_on(case):
    from django.db import InternalError

    signal = Signal.objects.get(case=case, corrects=None)
    with pytest.raises(InternalError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table(ChainLink)} SET seq = 99 WHERE record_id = %s", [signal.pk])
    assert report_of(case).ok


@on_postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_concurrent_records_on_one_case_keep_the_chain_dense(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    before = chain.chain_head(case)[0]
    barrier = threading.Barrier(4)
    errors = []

    def add(n: int) -> None:
        try:
            barrier.wait()
            for i in range(3):
                services.signal_record(
                    user=User.objects.get(pk=cast_a.teacher.pk),
                    case=Case.objects.get(pk=case.pk),
                    signal=factories.make_signal(description=f"Draad {n}, signaal {i}."),
                )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(ChainLink.objects.filter(case=case).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 4 * 3 + 1))  # one link per signal, none lost, none twice
    assert report_of(case).ok
