"""Hand-over notices that resolve themselves (issue 16, part 3): a notice is done once the case has left the state it
announced, and is no longer "new for you"; "alles gelezen"; a short history of read and done notices."""

import pytest
from django.urls import reverse

from accounts.models import User
from cases.models import Notification
from tests import factories

NEW_FOR_YOU = "New for you"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def start_url(cast, role: str) -> str:
    return reverse("start", kwargs={"school_id": cast.school.pk, "role": role})


def page(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def case_link(case) -> str:
    return reverse("cases:case-detail", args=[case.pk])


def test_a_hand_over_notice_resolves_itself_when_the_case_moves_on(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    notice = Notification.objects.get(user=cast_a.ib, case=case)
    assert notice.resolved_at is None and notice.read_at is None
    client = client_for(cast_a.ib)
    start = page(client, start_url(cast_a, "ib"))
    assert NEW_FOR_YOU in start and case_link(case) in start.split(NEW_FOR_YOU, 1)[1].split("</section>", 1)[0]

    # The IB'er consults and moves on to the conversation with the parents: the hand-over for consultation is done.
    factories.add_consultation(cast_a.ib, case)
    factories.advance(cast_a.ib, case, "to_parent_talk")
    notice.refresh_from_db()
    assert notice.resolved_at is not None and notice.read_at is None
    assert NEW_FOR_YOU not in page(client, start_url(cast_a, "ib"))
    # It is in the history, as done.
    history = page(client, reverse("cases:notification-history"))
    assert case_link(case) in history and "the case has moved on" in history


def test_the_weighing_notice_resolves_when_the_af_decides(cast_a):
    from tests.cases.test_decision import case_at

    case = case_at(cast_a, "reported")
    consulting, weighing = Notification.objects.filter(case=case).order_by("created_at", "pk")
    assert consulting.user == cast_a.ib and weighing.user == cast_a.af
    assert consulting.resolved_at is not None and weighing.resolved_at is not None


def test_a_notice_of_the_current_state_stays_new(cast_a, client_for):
    case = factories.case_in_state(cast_a, "weighing")
    notice = Notification.objects.get(user=cast_a.af, case=case)
    assert notice.resolved_at is None
    start = page(client_for(cast_a.af), start_url(cast_a, "af"))
    assert NEW_FOR_YOU in start and case_link(case) in start


def test_mark_all_as_read(cast_a, cast_b, client_for):
    cases = [factories.case_in_state(cast_a, "consulting") for _ in range(3)]
    other = factories.case_in_state(cast_b, "consulting")
    client = client_for(cast_a.ib)
    start = start_url(cast_a, "ib")
    assert "Mark all as read" in page(client, start)

    response = client.post(reverse("cases:notifications-all-read"), {"school": cast_a.school.pk, "next": start})
    assert response.status_code == 302 and response.url == start
    assert not Notification.objects.filter(user=cast_a.ib, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=cast_a.ib).count() == 3
    # Nobody else's notices are touched.
    assert Notification.objects.get(user=cast_b.ib, case=other).read_at is None
    assert NEW_FOR_YOU not in page(client, start)
    history = page(client, reverse("cases:notification-history"))
    assert all(case_link(case) in history for case in cases) and "read on" in history
    assert case_link(other) not in history


def test_mark_all_as_read_of_one_school_leaves_the_other(cast_a, client_for):
    from tests.conftest import make_school_cast

    cast_c = make_school_cast("C")
    factories.MembershipFactory(user=cast_a.ib, school=cast_c.school, role="ib")
    case_a = factories.case_in_state(cast_a, "consulting")
    case_c = factories.case_in_state(cast_c, "consulting")
    client = client_for(cast_a.ib)
    response = client.post(reverse("cases:notifications-all-read"), {"school": cast_a.school.pk})
    assert response.status_code == 302 and response.url == reverse("home")
    assert Notification.objects.get(user=cast_a.ib, case=case_a).read_at is not None
    assert Notification.objects.get(user=cast_a.ib, case=case_c).read_at is None
    # Without a school: all of them.
    client.post(reverse("cases:notifications-all-read"))
    assert Notification.objects.get(user=cast_a.ib, case=case_c).read_at is not None


def test_mark_all_as_read_at_another_school_is_404_and_changes_nothing(cast_a, cast_b, client_for):
    factories.case_in_state(cast_a, "consulting")
    response = client_for(cast_a.ib).post(reverse("cases:notifications-all-read"), {"school": cast_b.school.pk})
    assert response.status_code == 404
    assert Notification.objects.get(user=cast_a.ib).read_at is None


def test_mark_all_as_read_does_not_follow_a_foreign_next(cast_a, client_for):
    factories.case_in_state(cast_a, "consulting")
    response = client_for(cast_a.ib).post(
        reverse("cases:notifications-all-read"), {"next": "https://elders.example.invalid/"}
    )
    assert response.status_code == 302 and response.url == reverse("home")


def test_the_history_shows_the_newest_read_or_done_notices_of_cases_still_visible(cast_a, client_for):
    from cases import selectors

    cases = [factories.case_in_state(cast_a, "consulting") for _ in range(3)]
    unread = factories.case_in_state(cast_a, "consulting")
    Notification.objects.filter(case__in=cases).update(read_at=cases[0].opened_at)
    history = selectors.notification_history_for_user(user=cast_a.ib, limit=2)
    assert [n.case_id for n in history] == [cases[2].pk, cases[1].pk]  # newest first, at most ``limit``
    text = page(client_for(cast_a.ib), reverse("cases:notification-history"))
    assert case_link(unread) not in text  # unread and not done: still new, on the start page
    # A case the user no longer sees is left out (here: the IB'er left the school).
    cast_a.ib.memberships.all().delete()
    assert selectors.notification_history_for_user(user=User.objects.get(pk=cast_a.ib.pk)) == []


def test_the_migration_marks_notices_of_cases_that_moved_on_as_done(cast_a):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0005_alerts_and_resolved_notifications")
    moved_on = factories.case_in_state(cast_a, "parent_talk")
    current = factories.case_in_state(cast_a, "consulting")
    Notification.objects.update(resolved_at=None)  # as before the migration
    migration.resolve_left_notices(apps, None)
    assert Notification.objects.get(case=moved_on).resolved_at is not None
    assert Notification.objects.get(case=current).resolved_at is None
