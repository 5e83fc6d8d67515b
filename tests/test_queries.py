"""Pinned query counts: the lists, the start pages and the case page take a fixed number of queries, however many
cases or chronology entries there are. A count that changes fails here, so that an N+1 (or an extra query) is a
deliberate decision: update the constant only after reading the queries in the failure message.

Each page is requested once before measuring, so that process-wide caches (content types) are warm, as they are
in a running server; the count is then taken with a small and with a large amount of data, and both must equal the
pinned constant.
"""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection, models
from django.db.models import query as django_query
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import selectors
from cases.models import (
    Case,
    CaseState,
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
    SignalListAddition,
    Transition,
)
from tests import factories

# Every request: the session (read, and saved again: SESSION_SAVE_EVERY_REQUEST, in a savepoint: 3 queries), the
# user, and the second-factor device that verified the session (django-otp's OTPMiddleware; counted with "user"
# below). The rest is per page; see each test. The counts are the same on SQLite and PostgreSQL.
# Every page of an aandachtsfunctionaris or an IB'er (all measured below but the teacher's start page) also reads the
# open urgent alerts of their schools, for the banner at the top of the page: one query (cases.alerts; issue 16).
# A teacher's page reads none: the roles come from the memberships the page has already read.
PINNED = {
    # session, user, school ids, the page of cases (school and owner joined, sorted by urgency — the stored next due
    # date, cases.urgency — and paged by the database, their number as a window count), the parents' unanswered
    # requests of the page's cases (their deadline), the pupils of the page's cases (class groups joined), session
    # save ×3. Issue 16: +1 the urgent alerts.
    "case_list": 11,
    # session, user, all memberships (with their schools: the page's membership, the role switch and the school ids
    # the permission checks use), the cases waiting (their total as a window count in the same query), the pupils of
    # every case on the page (one query for all its lists: selectors.attach_pupils),
    # the user's unread notifications (visibility as a subquery), class groups with their pupil counts, the groups'
    # teachers, the cases with an unanswered request of the parents, session save ×3. The deadlines of every case
    # on the page are computed in one go (cases.deadlines.attach): the parents' unanswered requests of the listed
    # cases, and at most one query per kind of record for cases in later steps (none in steps 1-3: the stand-still
    # rule reads the case row), whatever their number.
    "start_ib": 15,
    # as the IB's, plus the teacher's newest cases and the teacher's own signals (with their cases); the pupils of
    # the teacher's groups instead of the groups' teachers and the parents' requests. Each list sorted by urgency
    # and cut by the database (the stored next due date: issue 16).
    "start_teacher": 15,
    # session, user, school ids, the case, its pupils, the IB'er's permissions on the case (one union query),
    # the guard of the one transition from step 1, the audit row, the open actions of consultations, session save
    # ×3 ... (what the case's chronology holds says which other records can exist: without a help plan no query
    # for help-plan tasks, without a parents' request none for requests and their deadlines); issue 15: +1, the
    # case's step changes for the picture of the steps ...
    # Issue 17: +1 for the IB'er, the pupil's earlier cases (one query while the pupil has no other case: the cases'
    # pupils). The kindcheck prompt reads nothing while no kindcheck is due: the chronology's index tells the latest
    # kindcheck and which signals name a parent's own problems.
    "case_detail_without_chronology": 16,
    # ... plus a page of the chronology: the list of the case's records (kind and id), then for each kind of record
    # on the page one query and one per prefetched nested record (actions, discussed signals, confirmations,
    # help-plan tasks; follow-ups, signal-list details and acknowledgements only when the case holds any):
    # TIMELINE_QUERIES_PER_KIND below. Pinned here for a page with a signal (no follow-up, no details added), a step
    # change, a consultation, a conversation (acknowledged) and a reason to skip it.
    "case_detail": 26,  # issue 15: +1, the steps; issue 17: +1 as "case_detail_without_chronology"
    # ?pagina=alle (everything on one page, for printing): as "case_detail_without_chronology", then the whole
    # chronology as the parent extract reads it (selectors.case_timeline): its index, then one query per kind of
    # record the case holds and one per prefetched nested record of those kinds (the kinds it does not hold cost
    # nothing). The kindcheck prompt reads the index's flags, as on every page. Pinned for the same case as
    # "case_detail" (signals, step changes, consultations, conversations, reasons to skip).
    "case_detail_all": 30,
    # Issue 16. The aandachtsfunctionaris's start page with a case in every open state (and its variants): as the
    # IB'er's, and for the deadlines of its cases one query per kind of record their rules read — the weighing
    # answers, Veilig Thuis reports (with the latest outcome), help plans, monitoring agreements (with the last
    # check-in), board notifications; when each case entered its step comes with the list of cases waiting.
    # +1: the urgent alerts (as every page of an aandachtsfunctionaris). Only the cases shown have their deadlines
    # computed (the lists are sorted by the stored next due date).
    "start_af_every_state": 17,
    # The case list with those cases: as "case_list", plus when each case entered its step (the list does not
    # carry it) and the same one query per kind of record.
    "case_list_every_state": 17,
    # The benchmark's floor (/gezond/): the session, the user, the second-factor device, session save ×3 — what
    # every page pays.
    "alive": 6,
}


def pinned(name: str) -> int:
    value = PINNED[name]
    return value[connection.vendor] if isinstance(value, dict) else value


# --- Data ---------------------------------------------------------------------------------------------------------


def make_cases(cast, n: int) -> None:
    """``n`` cases at the cast's school, all visible to its IB'er and to the teacher of group 1, in steps 1–3:
    opened by the teacher, by the IB'er about two pupils, handed over, consulted."""
    for i in range(n):
        pupil = factories.PupilFactory(class_group=cast.group1)
        if i % 4 == 2:
            other = factories.PupilFactory(class_group=cast.group2)
            case = services_open(cast.ib, [pupil, other])
        else:
            case = factories.open_case(cast.teacher, pupil)
        if i % 4 in (1, 3):
            factories.advance(cast.teacher, case, "to_consulting")
        if i % 4 == 3:
            factories.add_consultation(cast.ib, case)
            factories.advance(cast.ib, case, "to_parent_talk")


def services_open(user, pupils):
    from cases import services

    return services.case_open(
        user=user, school=pupils[0].school, pupils=pupils, route="A", signal=factories.make_signal()
    )


DAY = datetime.timedelta(days=1)


class ChronologyBuilder:
    """Adds entries of every kind to a case directly (append-only models may be created), each one timeline item
    with its nested records: follow-ups, actions, discussed signals, acknowledgements, confirmations."""

    def __init__(self, case: Case, teacher, ib, af):
        self.case, self.teacher, self.ib, self.af = case, teacher, ib, af
        self.today = timezone.localdate()
        self.n = 0
        self.signals: list[Signal] = list(Signal.objects.filter(case=case))
        self.conversations: list[ParentConversation] = []
        self.texts: list[str] = []  # text of every nested record, to find on the page
        self.makers = [
            self.signal,
            self.consultation,
            self.conversation,
            self.parent_view,
            self.kindcheck,
            self.skip,
            self.transition,
        ]

    def add(self, count: int) -> None:
        """``count`` entries, the kinds in turn."""
        for _ in range(count):
            self.makers[self.n % len(self.makers)]()
            self.n += 1

    def add_kinds(self, *makers) -> None:
        for maker in makers:
            maker()
            self.n += 1

    def signal(self):
        kind = ["fact", "child_words", "story"][self.n % 3]
        corrects = self.signals[-1] if self.n % 5 == 0 and self.signals else None
        signal = Signal.objects.create(
            case=self.case,
            author=self.teacher,
            corrects=corrects,
            **factories.signal_data(kind=kind, description=f"Signaal {self.n}", items=["physical.bruises"]),
        )
        if kind == "story":
            SignalFollowUp.objects.create(
                case=self.case,
                author=self.ib,
                signal=signal,
                outcome="confirmed",
                outcome_on=self.today,
                note=f"Bevestigd {self.n}",
            )
            self.texts.append(f"Bevestigd {self.n}")
        if kind == "fact" and self.n % 2:
            SignalListAddition.objects.create(
                case=self.case, author=self.teacher, signal=signal, items=["physical.burns"], note=f"Later {self.n}"
            )
            self.texts.append(f"Later {self.n}")
        self.signals.append(signal)

    def consultation(self):
        consultation = Consultation.objects.create(
            case=self.case,
            author=self.ib,
            kind="colleague",
            held_on=self.today,
            participants="IB'er, leerkracht",
            question=f"Vraag {self.n}",
            advice="Advies.",
        )
        for k in range(2):
            ConsultationAction.objects.create(
                consultation=consultation, who="IB'er", what=f"Actie {self.n}.{k}", due_on=self.today + DAY
            )
            self.texts.append(f"Actie {self.n}.{k}")

    def conversation(self):
        conversation = ParentConversation.objects.create(
            case=self.case,
            author=self.ib,
            held_on=self.today,
            attendees="moeder, IB'er",
            purpose_explained=True,
            recognition="partly",
            reaction=f"Reactie {self.n}",
            report="Verslag.",
        )
        conversation.signals_discussed.set(self.signals[-2:])
        ConversationAcknowledgement.objects.create(
            case=self.case,
            author=self.ib,
            conversation=conversation,
            shared_on=self.today,
            status="acknowledged",
            responded_on=self.today,
            how=f"getekend {self.n}",
        )
        self.texts.append(f"getekend {self.n}")
        self.conversations.append(conversation)

    def parent_view(self):
        ParentView.objects.create(
            case=self.case,
            author=self.ib,
            conversation=self.conversations[-1] if self.conversations else None,
            given_by="moeder",
            given_on=self.today,
            text=f"Zienswijze {self.n}",
        )

    def kindcheck(self):
        Kindcheck.objects.create(
            case=self.case,
            author=self.ib,
            done_on=self.today,
            reason="Vader.",
            other_minors="yes",
            minors_description="Zus, 2 jaar.",
            outcome=f"Kindcheck {self.n}",
        )

    def skip(self):
        skip = ParentTalkSkip.objects.create(
            case=self.case, author=self.ib, reason="danger", explanation=f"Overslaan {self.n}"
        )
        if self.n % 2 == 0:
            ParentTalkSkipConfirmation.objects.create(skip=skip, confirmed_by=self.af)
            self.texts.append(self.af.get_full_name())

    def transition(self):
        Transition.objects.create(
            case=self.case,
            actor=self.ib,
            name="to_parent_talk",
            from_state=CaseState.CONSULTING,
            to_state=CaseState.PARENT_TALK,
            reason=f"Stap {self.n}",
        )


# --- Helpers ------------------------------------------------------------------------------------------------------


@contextmanager
def lazy_loads_raise():
    """Django 6.1's fetch mode RAISE for every queryset made meanwhile: a related object or deferred field that
    was not loaded up front (``select_related``, ``prefetch_related``, ``only``) raises instead of quietly
    running one more query per row."""
    with mock.patch.object(django_query, "DEFAULT_FETCH_MODE", models.FETCH_RAISE):
        yield


def measure(client, url, django_assert_num_queries, expected: int | None):
    """The queries of one request to ``url`` (``expected``: exactly that many; None: any number, returned)."""
    client.get(url)  # warm the process-wide caches
    caches["fragments"].clear()  # render the chronology's items again, so that a lazy load in them would raise
    if expected is None:
        with CaptureQueriesContext(connection) as ctx, lazy_loads_raise():
            response = client.get(url)
    else:
        with django_assert_num_queries(expected) as ctx, lazy_loads_raise():
            response = client.get(url)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def references(response) -> set[str]:
    return {case.reference for case in response.context["cases"]}


# --- Tests --------------------------------------------------------------------------------------------------------


def test_case_list_takes_the_same_queries_for_5_and_30_cases(cast_a, client_for, django_assert_num_queries):
    client = client_for(cast_a.ib)
    make_cases(cast_a, 5)
    response, small = measure(client, "/dossiers/", django_assert_num_queries, pinned("case_list"))
    assert len(response.context["page"].object_list) == 5

    make_cases(cast_a, 25)
    response, large = measure(client, "/dossiers/", django_assert_num_queries, pinned("case_list"))
    rows = response.context["page"].object_list
    assert len(rows) == 25  # the first page of two
    content = response.content.decode()
    for case in rows:  # each row rendered with its pupils and its owner
        assert case.reference in content
        for pupil in case.pupils.all():
            assert pupil.last_name in content
    assert small == large


def test_ib_start_page_takes_the_same_queries_for_5_and_30_cases(cast_a, client_for, django_assert_num_queries):
    client = client_for(cast_a.ib)
    url = f"/start/{cast_a.school.pk}/ib/"
    make_cases(cast_a, 5)
    response, small = measure(client, url, django_assert_num_queries, pinned("start_ib"))
    assert len(references(response)) == 5

    make_cases(cast_a, 25)
    response, large = measure(client, url, django_assert_num_queries, pinned("start_ib"))
    assert len(references(response)) == 10  # the first 10 of 30, with a link to all of them
    assert response.context["action_total"] == 30
    content = response.content.decode()
    assert all(ref in content for ref in references(response))
    assert f'href="/dossiers/?school={cast_a.school.pk}&amp;actie=ib"' in content
    assert cast_a.teacher.get_full_name() in content  # the groups' teachers are listed
    assert small == large


def test_teacher_start_page_takes_the_same_queries_for_5_and_30_cases(cast_a, client_for, django_assert_num_queries):
    client = client_for(cast_a.teacher)
    url = f"/start/{cast_a.school.pk}/teacher/"
    make_cases(cast_a, 5)
    response, small = measure(client, url, django_assert_num_queries, pinned("start_teacher"))
    assert len(references(response)) == 5
    assert len(response.context["own_signals"]) == 4  # one of the five was opened by the IB'er

    make_cases(cast_a, 25)
    response, large = measure(client, url, django_assert_num_queries, pinned("start_teacher"))
    assert len(references(response)) == 10  # the ten most urgent
    assert len(response.context["own_signals"]) == 10
    content = response.content.decode()
    assert all(ref in content for ref in references(response))
    assert small == large


# The case page's chronology comes in pages (selectors.case_timeline_page): one query lists the kind and id of every
# record (and of the records shown as part of them), then each kind of record on the page takes one query plus one
# per prefetched nested record; the parts (follow-ups and details from the signal list of a signal, acknowledgements
# of a conversation) only when the case holds any.
TIMELINE_QUERIES_PER_KIND = {"signal": 1, "consultation": 2, "conversation": 2, "skip": 2, "helpplan": 2}
PARTS = {"signal": {"followup", "signaladdition"}, "conversation": {"acknowledgement"}}


def chronology_queries(kinds, timeline) -> int:
    """The queries of a page of ``timeline`` (a ``selectors.TimelinePage``) with records of these ``kinds``."""
    held = timeline.kinds
    return 1 + sum(TIMELINE_QUERIES_PER_KIND.get(k, 1) + len(PARTS.get(k, set()) & held) for k in set(kinds))


def test_case_page_takes_the_same_queries_for_5_and_200_entries(cast_a, client_for, django_assert_num_queries):
    # Five entries, among them every kind whose nested records are prefetched (a prefetch is skipped when there is
    # no entry of its kind, so a smaller mix would take fewer queries without there being an N+1): the signal and
    # the "opened" step change, a consultation, a conversation with the parents and a (confirmed) reason to skip it.
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    builder = ChronologyBuilder(case, cast_a.teacher, cast_a.ib, cast_a.af)
    builder.add_kinds(builder.consultation, builder.conversation, builder.skip)
    client = client_for(cast_a.ib)
    url = f"/dossiers/{case.pk}/"
    response, small = measure(client, url, django_assert_num_queries, pinned("case_detail"))
    kinds = [item.kind for item in response.context["timeline"].items]
    assert kinds == ["signal", "transition", "consultation", "conversation", "skip"]
    assert small == pinned("case_detail_without_chronology") + chronology_queries(kinds, response.context["timeline"])

    builder.add(195)
    # The newest page: its queries are the page's fixed ones plus those of the kinds of record on it, however many
    # records the case holds.
    response, large = measure(client, url, django_assert_num_queries, None)
    timeline = response.context["timeline"]
    assert timeline.total == 200 and len(timeline.items) == 25 and timeline.page.number == 1
    assert large == pinned("case_detail_without_chronology") + chronology_queries(
        (i.kind for i in timeline.items), timeline
    )

    # Every page, and everything on one page for printing, in the order of the whole chronology; every nested
    # record (follow-ups, actions, acknowledgements, confirmations) is rendered, so an N+1 would show.
    whole = [(item.kind, item.entry.pk) for item in selectors.case_timeline(case=case)]
    paged, content = [], ""
    for number in range(8, 0, -1):  # page 8 holds the oldest records
        response, count = measure(client, f"{url}?pagina={number}", django_assert_num_queries, None)
        timeline = response.context["timeline"]
        items = timeline.items
        assert count == pinned("case_detail_without_chronology") + chronology_queries((i.kind for i in items), timeline)
        paged += [(item.kind, item.entry.pk) for item in items]
        content += response.content.decode()
    assert paged == whole
    assert any(item.corrected_by for item in selectors.case_timeline(case=case))
    assert [text for text in builder.texts if text not in content] == []

    response, everything = measure(client, f"{url}?pagina=alle", django_assert_num_queries, pinned("case_detail_all"))
    assert [(item.kind, item.entry.pk) for item in response.context["timeline"].items] == whole
    # Everything on one page reads each kind of record the case holds once, like a page that holds them all.
    held = {kind for kind, _pk in whole}
    assert everything == pinned("case_detail_without_chronology") + chronology_queries(
        held, response.context["timeline"]
    )
    content = response.content.decode()
    assert [text for text in builder.texts if text not in content] == []


def test_the_guard_against_lazy_loads_is_in_force(cast_a):
    """The counts above are taken with lazy loads raising: prove that the switch really blocks one."""
    from django.core.exceptions import FieldFetchBlocked

    from schools.models import Pupil

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    with lazy_loads_raise():
        fetched = Pupil.objects.get(pk=pupil.pk)
        with pytest.raises(FieldFetchBlocked):
            fetched.class_group  # noqa: B018 - the attribute access is the lazy load
    assert Pupil.objects.get(pk=pupil.pk).class_group == cast_a.group1  # and outside it, loads as usual


def test_the_floor_page_takes_only_what_every_page_takes(cast_a, client_for, django_assert_num_queries):
    make_cases(cast_a, 3)
    response, _count = measure(client_for(cast_a.ib), "/gezond/", django_assert_num_queries, pinned("alive"))
    assert response.content == b"ok"


def make_one_in_every_open_state(cast) -> None:
    """A case in every open state of routes A and B, with the variants whose deadline rules read other records
    (tests/cases/test_deadlines_table.py): every kind of record the deadlines read is on the page."""
    from tests.cases import test_deadlines_table as table

    for route, variant in table.CASES:
        if route == "B":
            table.route_b(cast, variant)
        elif route == "A":
            table.route_a_or_c(cast, route, variant)


def test_af_pages_take_the_same_queries_with_a_case_in_every_open_state(
    cast_a, client_for, django_assert_num_queries, settings
):
    """Issue 16: every open state has a deadline; the deadlines of a page read at most one query per kind of record
    (cases.deadlines.LOADERS), whatever the number of cases."""
    settings.MELDCODE_RECORDS_PER_HOUR = 1000  # the cases are made by the same users within the hour
    client = client_for(cast_a.af)
    start = f"/start/{cast_a.school.pk}/af/"
    make_one_in_every_open_state(cast_a)
    _response, start_small = measure(client, start, django_assert_num_queries, pinned("start_af_every_state"))
    _response, list_small = measure(client, "/dossiers/", django_assert_num_queries, pinned("case_list_every_state"))
    make_one_in_every_open_state(cast_a)
    response, start_large = measure(client, start, django_assert_num_queries, pinned("start_af_every_state"))
    assert all(case.deadlines for case in response.context["action_cases"])
    # The case list's first page (25 rows, by urgency) now holds only some of the states, and the deadlines are
    # computed for the rows shown only: at most the pinned count, never more with more cases.
    _response, list_large = measure(client, "/dossiers/", django_assert_num_queries, None)
    assert start_small == start_large and list_large <= list_small


# Storing a signal through the service (``services.entry_record``): the permission, the savepoint, the case locked,
# the records of the last hour (the rate limit), the checks of the signal (``full_clean``: its case, its author, two
# check constraints in savepoints), the insert; then its link in the case's chain (issue 21: the case locked again —
# the chain cannot know the service locked it already —, the chain's head read, the link inserted: +3); the audit
# row, the case's last activity with its next due date (issue 16: its parents' unanswered requests read, +1; the
# stand-still rule of step 2 reads the case row and its school, joined when the case was locked), the savepoint
# released.
PINNED_ENTRY_RECORD = 20
CHAIN_QUERIES_PER_RECORD = 3


def test_storing_a_record_pays_three_queries_for_its_link_in_the_chain(cast_a):
    from django.test.utils import CaptureQueriesContext

    from cases import permissions as perms
    from cases import services
    from cases.models import ChainLink

    case = factories.case_in_state(cast_a, "consulting")
    with CaptureQueriesContext(connection) as captured:
        services.entry_record(
            user=cast_a.teacher, case=case, entry=factories.make_signal(), permission=perms.ADD_SIGNAL
        )
    assert len(captured) == PINNED_ENTRY_RECORD
    chain_queries = [q["sql"] for q in captured.captured_queries if "cases_chainlink" in q["sql"]]
    locks = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "cases_case"."id" AS "pk"')]
    assert len(chain_queries) + len(locks) - 1 == CHAIN_QUERIES_PER_RECORD  # the head's read is in both lists
    assert ChainLink.objects.filter(case=case).count() == ChainLink.objects.filter(case=case).last().seq


def test_the_case_page_reads_only_what_its_case_holds_and_shows_the_same_deadlines(cast_a, client_for, settings):
    """The case page tells the deadlines which kinds of record its case holds (its chronology's index) and when it
    entered its step: a query for records the case has none of is left out. What it shows is what the deadlines
    read from everything give, for a case in every open state and each variant of its rules."""
    from cases import deadlines

    settings.MELDCODE_RECORDS_PER_HOUR = 1000
    make_one_in_every_open_state(cast_a)
    client = client_for(cast_a.af)
    cases = Case.objects.filter(school=cast_a.school).select_related("school", "owner").order_by("pk")
    assert len(cases) > 10
    for case in cases:
        expected = [(d.kind, d.due, d.role, d.user, d.ref) for d in deadlines.attach([case])[0].deadlines]
        shown = client.get(f"/dossiers/{case.pk}/").context["case"].deadlines
        assert [(d.kind, d.due, d.role, d.user, d.ref) for d in shown] == expected, case.state
