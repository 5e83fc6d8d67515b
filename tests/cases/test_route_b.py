"""Route B never lost, never exposed (issue 17, item 1; domain.md §9.3).

A signal that a member of staff is suspected always goes to a route B case — a new one linked to the pupil's open
case, or the pupil's open route B case — never silently into the other case. A route B case is held only by the
aandachtsfunctionaris, the IB'ers and the board contact who are not named in it; a person named as suspected loses
access whatever their role (an audit row says: conflict of interest); when the aandachtsfunctionaris is suspected
the board contact takes the case. Tables of allowed and refused, through the services and through the views.
"""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from cases import access, notify, services
from cases import permissions as perms
from cases.models import AuditEvent, Case, CaseState, Notification, Route, Signal, SuspectedStaff, Transition
from outbox.models import OutgoingMail
from schools.models import Membership, Role
from tests import factories
from tests.cases.test_decision import board_notification, fresh
from tests.cases.test_record_rules import signal_form_data

NAME_SOMEONE = "Name the member of staff who is suspected: choose them, or give their name and function."
ONLY_ROUTE_B = "A suspected member of staff is recorded only in a staff case (route B)."
NOT_OF_SCHOOL = "Only a member of staff of this school can be chosen."


@pytest.fixture
def world(cast_a, cast_b):
    """School A's cast plus a second IB'er and the board's contact person; a pupil of group 1 with an open route A
    case opened by the class teacher."""
    cast_a.ib2 = factories.UserFactory(username="ib2-a", first_name="Ilse", last_name="Tweede")
    factories.MembershipFactory(user=cast_a.ib2, school=cast_a.school, role=Role.IB)
    cast_a.board = factories.UserFactory(username="board-a", first_name="Bert", last_name="Bestuur")
    factories.MembershipFactory(user=cast_a.board, school=cast_a.school, role=Role.BOARD)
    cast_a.pupil = factories.PupilFactory(class_group=cast_a.group1, last_name="Proefkind")
    cast_a.case_a = factories.open_case(cast_a.teacher, cast_a.pupil)
    cast_a.b = cast_b
    return cast_a


def staff_signal(world, *suspects, user=None):
    return services.signal_submit(
        user=user or world.teacher,
        school=world.school,
        pupil=world.pupil,
        route=Route.B,
        signal=factories.make_signal(description="Leerling vertelt dat meester haar na de gym vasthield."),
        suspected=list(suspects),
    )


def counts() -> dict:
    return {
        "cases": Case.objects.count(),
        "signals": Signal.objects.count(),
        "suspects": SuspectedStaff.objects.count(),
        "transitions": Transition.objects.count(),
        "audit": AuditEvent.objects.exclude(action=AuditEvent.Action.VIEW).count(),
        "notifications": Notification.objects.count(),
    }


# --- Never lost: where a staff signal goes --------------------------------------------------------------------------


def test_a_staff_signal_for_a_pupil_with_an_open_case_opens_a_route_b_case_linked_to_it(world):
    before_a = Signal.objects.filter(case=world.case_a).count()
    case, opened = staff_signal(world, services.Suspect(staff_member=world.other_teacher))
    case = fresh(case)
    assert opened
    assert case.pk != world.case_a.pk
    assert case.route == Route.B and case.state == CaseState.DUTY_TO_INFORM
    assert case.linked_case_id == world.case_a.pk
    assert list(case.pupils.all()) == [world.pupil]
    assert Signal.objects.filter(case=case).count() == 1
    assert Signal.objects.filter(case=world.case_a).count() == before_a  # not added silently to the other case
    assert fresh(world.case_a).state == CaseState.SIGNALLING
    assert SuspectedStaff.objects.get(case=case).staff_member == world.other_teacher
    assert case.owner == world.af


def test_a_staff_signal_without_an_open_case_opens_an_unlinked_route_b_case(world):
    pupil = factories.PupilFactory(class_group=world.group1)
    case, opened = services.signal_submit(
        user=world.teacher,
        school=world.school,
        pupil=pupil,
        route=Route.B,
        signal=factories.make_signal(),
        suspected=[services.Suspect(description="L. de Vries, conciërge")],
    )
    assert opened and fresh(case).route == Route.B and fresh(case).linked_case is None


def test_a_second_staff_signal_goes_to_the_pupils_open_route_b_case(world):
    first, _opened = staff_signal(world, services.Suspect(staff_member=world.other_teacher))
    again, opened = staff_signal(world, services.Suspect(description="M. Jansen, invaller"), user=world.ib)
    assert not opened and again.pk == first.pk
    assert Signal.objects.filter(case=first).count() == 2
    assert SuspectedStaff.objects.filter(case=first).count() == 2
    assert Case.objects.filter(route=Route.B).count() == 1


def test_an_ordinary_signal_never_goes_into_a_route_b_case(world):
    staff_case, _opened = staff_signal(world, services.Suspect(staff_member=world.other_teacher))
    case_a = fresh(world.case_a)
    case, opened = services.signal_submit(
        user=world.af, school=world.school, pupil=world.pupil, route=Route.A, signal=factories.make_signal()
    )
    assert not opened and case.pk == case_a.pk
    assert Signal.objects.filter(case=staff_case).count() == 1


REFUSED = [
    # (id, route, suspects, message)
    ("route B without anyone named", Route.B, [], NAME_SOMEONE),
    ("route B with an empty description", Route.B, [{"description": "   "}], NAME_SOMEONE),
    ("route A with someone named", Route.A, [{"staff": "other_teacher"}], ONLY_ROUTE_B),
    ("route B naming someone of another school", Route.B, [{"staff": "b.teacher"}], NOT_OF_SCHOOL),
]


@pytest.mark.parametrize(("route", "suspects", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_refused_staff_signal_stores_nothing_and_says_why_in_dutch(world, route, suspects, message):
    def person(name):
        return world.b.teacher if name == "b.teacher" else getattr(world, name)

    suspected = [
        services.Suspect(
            staff_member=person(s["staff"]) if "staff" in s else None, description=s.get("description", "")
        )
        for s in suspects
    ]
    before, state_a = counts(), fresh(world.case_a).state
    with pytest.raises(ValidationError) as refused:
        services.signal_submit(
            user=world.teacher,
            school=world.school,
            pupil=world.pupil,
            route=route,
            signal=factories.make_signal(),
            suspected=suspected,
        )
    assert gettext(message) in refused.value.messages
    assert gettext(message) != message  # said in Dutch
    assert counts() == before
    assert fresh(world.case_a).state == state_a


def test_a_teacher_cannot_report_about_a_pupil_of_another_group(world):
    pupil = factories.PupilFactory(class_group=world.group2)
    before = counts()
    with pytest.raises(PermissionDenied):
        services.signal_submit(
            user=world.teacher,
            school=world.school,
            pupil=pupil,
            route=Route.B,
            signal=factories.make_signal(),
            suspected=[services.Suspect(description="L. de Vries, conciërge")],
        )
    assert counts() == before


# --- Never exposed: who holds a route B case --------------------------------------------------------------------

# (who is named, who is asked, may they see it)
VISIBILITY = [
    ("other_teacher", "af", True),
    ("other_teacher", "ib", True),
    ("other_teacher", "ib2", True),
    ("other_teacher", "board", True),
    ("other_teacher", "teacher", False),  # the class teacher, who reported it
    ("other_teacher", "other_teacher", False),  # named
    ("other_teacher", "contact_person", False),
    ("teacher", "teacher", False),  # the class teacher named
    ("teacher", "af", True),
    ("ib", "ib", False),  # an IB'er named
    ("ib", "ib2", True),  # the IB'er not named
    ("af", "af", False),  # the aandachtsfunctionaris named
    ("af", "board", True),
    ("af", "ib", True),
    ("board", "board", False),  # the board contact named
    ("board", "af", True),
]


@pytest.mark.parametrize(("named", "asker", "sees"), VISIBILITY, ids=[f"{n}-named-{a}-asks" for n, a, _s in VISIBILITY])
def test_who_sees_a_route_b_case(world, named, asker, sees):
    case, _opened = staff_signal(world, services.Suspect(staff_member=getattr(world, named)))
    user = getattr(world, asker)
    assert perms.can(user, perms.VIEW, case) is sees
    assert perms.case_queryset_for_user(user).filter(pk=case.pk).exists() is sees
    if not sees:
        assert perms.permissions_for(user, case) == set()


@pytest.mark.parametrize("asker", ["af", "ib", "teacher", "other_teacher", "contact_person"])
def test_another_school_never_sees_a_route_b_case(world, asker):
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.other_teacher))
    assert not perms.can(getattr(world.b, asker), perms.VIEW, case)


def test_the_route_a_case_of_the_pupil_stays_as_it_was_for_its_readers(world):
    staff_signal(world, services.Suspect(staff_member=world.teacher))
    # The class teacher (named) still sees the pupil's route A case, and nothing of the route B case in it.
    assert perms.can(world.teacher, perms.VIEW, world.case_a)
    assert perms.case_queryset_for_user(world.teacher).filter(route=Route.B).count() == 0


def test_a_named_aandachtsfunctionaris_loses_the_case_to_the_board_contact(world):
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.af))
    case = fresh(case)
    assert case.owner == world.board
    assert perms.can(world.board, perms.ROUTE_B, case) and perms.can(world.board, perms.DECIDE, case)
    assert not perms.can(world.af, perms.ROUTE_B, case)
    conflict = AuditEvent.objects.get(case=case, action=AuditEvent.Action.CONFLICT_OF_INTEREST)
    assert conflict.subject_user == world.af and conflict.user == world.teacher
    assert "af" in conflict.target
    # The board contact walks the staff route.
    services.entry_record(user=world.board, case=case, entry=board_notification(), permission=perms.ROUTE_B)
    assert case.boardnotifications.count() == 1


def test_the_board_contact_sees_no_case_of_route_a(world):
    assert not perms.can(world.board, perms.VIEW, world.case_a)
    assert perms.case_queryset_for_user(world.board).count() == 0


def test_a_colleague_without_a_role_giving_access_is_named_without_a_conflict_row_for_others(world):
    case, _opened = staff_signal(world, services.Suspect(description="L. de Vries, conciërge"))
    assert not AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CONFLICT_OF_INTEREST).exists()


def test_access_follows_roles_given_later_but_never_to_the_named(world):
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.other_teacher))
    newcomer = factories.UserFactory(username="ib3-a")
    factories.MembershipFactory(user=newcomer, school=world.school, role=Role.IB)
    assert perms.can(newcomer, perms.VIEW, case)
    # The named teacher is made aandachtsfunctionaris: still no access to the case that names them.
    factories.MembershipFactory(user=world.other_teacher, school=world.school, role=Role.AF)
    assert not perms.can(world.other_teacher, perms.VIEW, case)
    # An IB'er who leaves the school loses it.
    Membership.objects.filter(user=world.ib2).delete()
    assert not perms.can(world.ib2, perms.VIEW, case)


def test_sync_access_recomputes_route_b_the_same_way(world):
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.ib))
    access.sync_all()
    assert not perms.can(world.ib, perms.VIEW, case)
    assert perms.can(world.ib2, perms.VIEW, case)
    assert not perms.can(world.teacher, perms.VIEW, case)


# --- Naming (another) suspect later ---------------------------------------------------------------------------------

NAMING_LATER = [
    # (who names, on which case, outcome)
    ("af", "b", "named"),
    ("board", "b", "named"),
    ("ib", "b", PermissionDenied),  # the IB'er sees the case but the staff route is not theirs
    ("af", "a", ValidationError),  # not a staff case
]


@pytest.mark.parametrize(("who", "which", "outcome"), NAMING_LATER, ids=[f"{w}-on-{c}" for w, c, _o in NAMING_LATER])
def test_naming_a_suspect_later(world, who, which, outcome):
    staff_case, _opened = staff_signal(world, services.Suspect(description="M. Jansen, invaller"))
    case = fresh(staff_case if which == "b" else world.case_a)
    before = counts()
    suspect = services.Suspect(staff_member=world.ib2)
    if outcome == "named":
        services.route_b_suspect_name(user=getattr(world, who), case=case, suspect=suspect)
        assert not perms.can(world.ib2, perms.VIEW, fresh(case))
        assert AuditEvent.objects.filter(
            case=case, action=AuditEvent.Action.CONFLICT_OF_INTEREST, subject_user=world.ib2
        ).exists()
        return
    with pytest.raises(outcome) as refused:
        services.route_b_suspect_name(user=getattr(world, who), case=case, suspect=suspect)
    if outcome is ValidationError:
        assert gettext(ONLY_ROUTE_B) in refused.value.messages
    assert counts() == before


def test_naming_the_owner_later_hands_the_case_to_the_board_contact(world):
    case, _opened = staff_signal(world, services.Suspect(description="M. Jansen, invaller"))
    assert fresh(case).owner == world.af
    services.route_b_suspect_name(user=world.board, case=case, suspect=services.Suspect(staff_member=world.af))
    assert fresh(case).owner == world.board
    assert not perms.can(world.af, perms.VIEW, case)


# --- The board is told at once; the named are told nothing ------------------------------------------------------


def test_opening_notifies_the_holders_of_the_case_and_not_the_named(world):
    world.af.email, world.board.email = "af@example.invalid", "bestuur@example.invalid"
    world.af.save()
    world.board.save()
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.ib))
    notified = set(
        Notification.objects.filter(case=case, kind=Notification.Kind.ROUTE_B).values_list("user_id", flat=True)
    )
    assert notified == {world.af.pk, world.ib2.pk, world.board.pk}
    assert {m.to for m in OutgoingMail.objects.all()} >= {"af@example.invalid", "bestuur@example.invalid"}


def test_reminders_of_a_route_b_case_go_to_its_owner_never_to_the_named(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.af.email, world.board.email = "af@example.invalid", "bestuur@example.invalid"
    world.af.save()
    world.board.save()
    staff_signal(world, services.Suspect(staff_member=world.af))
    OutgoingMail.objects.all().delete()
    import datetime

    notify.send_due_reminders(today=datetime.date.today() + datetime.timedelta(days=10))
    recipients = {m.to for m in OutgoingMail.objects.all()}
    assert "bestuur@example.invalid" in recipients
    assert "af@example.invalid" not in recipients
    assert not mail.outbox or all("af@example.invalid" not in m.to for m in mail.outbox)


# --- Through the views ---------------------------------------------------------------------------------------------


@pytest.fixture
def post_signal(world, client_for):
    url = reverse("cases:signal-new", kwargs={"school_id": world.school.pk})
    client = client_for(world.teacher)

    def post(**fields):
        return client.post(url, {"pupil": world.pupil.pk, **signal_form_data(), **fields})

    post.client = client
    return post


def test_view_a_teacher_reports_a_staff_suspicion_and_cannot_open_the_case(world, post_signal):
    response = post_signal(route="B", suspected_staff=world.teacher.pk)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    case = Case.objects.get(route=Route.B)
    assert case.linked_case_id == world.case_a.pk
    assert post_signal.client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code == 404
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("route B" in m for m in messages)


def test_view_the_aandachtsfunctionaris_reads_the_route_b_case_with_its_link(world, post_signal, client_for):
    post_signal(route="B", suspected_description="L. de Vries, conciërge")
    case = Case.objects.get(route=Route.B)
    page = client_for(world.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    assert page.status_code == 200
    text = page.content.decode()
    assert world.case_a.reference in text
    assert "L. de Vries, conciërge" in text


VIEW_REFUSALS = [
    ("no one named", {"route": "B"}, NAME_SOMEONE),
    ("named with route A", {"route": "A", "suspected_description": "L. de Vries"}, ONLY_ROUTE_B),
]


@pytest.mark.parametrize(("fields", "message"), [r[1:] for r in VIEW_REFUSALS], ids=[r[0] for r in VIEW_REFUSALS])
def test_view_a_refused_staff_signal_keeps_the_input_and_stores_nothing(world, post_signal, fields, message):
    before = counts()
    response = post_signal(place="bij de gymzaal", **fields)
    assert response.status_code == 200
    text = response.content.decode()
    assert gettext(message).replace("'", "&#x27;") in text
    assert "bij de gymzaal" in text
    assert counts() == before


def test_view_the_board_contacts_start_page_and_case_list_show_the_route_b_case(world, client_for):
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.af))
    client = client_for(world.board)
    start = client.get(reverse("start", kwargs={"school_id": world.school.pk, "role": Role.BOARD}))
    assert start.status_code == 200
    assert case.reference in start.content.decode()
    assert world.case_a.reference not in start.content.decode()
    listed = client.get(reverse("cases:case-list"))
    assert listed.status_code == 200
    assert case.reference in listed.content.decode()
    assert world.case_a.reference not in listed.content.decode()
    # The aandachtsfunctionaris named finds it nowhere.
    af = client_for(world.af)
    for url in (reverse("cases:case-list"), reverse("start", kwargs={"school_id": world.school.pk, "role": Role.AF})):
        assert case.reference not in af.get(url).content.decode()


# --- Naming a suspect later, on the case page -----------------------------------------------------------------------


def test_view_the_aandachtsfunctionaris_names_a_suspect_later_who_loses_access(world, client_for):
    case, _opened = staff_signal(world, services.Suspect(description="J.K., invalleerkracht gym"))
    page = client_for(world.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    url = reverse("cases:suspect-add", kwargs={"pk": case.pk})
    assert url in page.content.decode()  # offered on the case page
    assert client_for(world.ib2).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code == 200
    form = client_for(world.af).get(url)
    assert world.ib2 in form.context["form"].fields["staff_member"].queryset
    response = client_for(world.af).post(url, {"staff_member": world.ib2.pk})
    assert response.status_code == 302
    assert SuspectedStaff.objects.filter(case=case, staff_member=world.ib2).exists()
    assert AuditEvent.objects.filter(
        case=case, action=AuditEvent.Action.CONFLICT_OF_INTEREST, subject_user=world.ib2
    ).exists()
    assert client_for(world.ib2).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code == 404


def test_view_naming_a_suspect_later_refuses_empty_and_repeated_input_in_dutch(world, client_for):
    case, _opened = staff_signal(world, services.Suspect(staff_member=world.other_teacher))
    url = reverse("cases:suspect-add", kwargs={"pk": case.pk})
    before = counts()
    empty = client_for(world.af).post(url, {"description": "  "})
    assert empty.status_code == 200
    assert "Kies de collega" in " ".join(empty.context["form"].non_field_errors())
    again = client_for(world.af).post(url, {"staff_member": world.other_teacher.pk, "description": "nogmaals"})
    assert again.status_code == 200
    assert "al als verdachte genoemd" in " ".join(again.context["form"].non_field_errors())
    assert again.context["form"]["description"].value() == "nogmaals"  # nothing typed is lost
    assert counts() == before


def test_view_only_the_staff_route_may_name_a_suspect(world, client_for):
    case, _opened = staff_signal(world, services.Suspect(description="J.K., invalleerkracht gym"))
    url = reverse("cases:suspect-add", kwargs={"pk": case.pk})
    assert client_for(world.ib).get(url).status_code == 403  # reads the case, may not name
    assert client_for(world.teacher).get(url).status_code == 404  # does not see the case
    assert client_for(world.board).get(url).status_code == 200
    refused = client_for(world.af).post(
        reverse("cases:suspect-add", kwargs={"pk": world.case_a.pk}), {"description": "J.K."}
    )
    assert refused.status_code in (200, 403)
    assert not SuspectedStaff.objects.filter(case=world.case_a).exists()


def test_view_a_signal_form_on_a_route_a_case_sends_a_staff_suspicion_to_the_new_signal_page(world, client_for):
    """A signal on the case page cannot be marked B: the form says where a staff suspicion goes instead."""
    new_signal = reverse("cases:signal-new", kwargs={"school_id": world.school.pk})
    page = client_for(world.teacher).get(reverse("cases:signal-add", kwargs={"pk": world.case_a.pk}))
    html = page.content.decode()
    assert "Wordt een medewerker verdacht?" in html and f'href="{new_signal}"' in html
    case_b, _opened = staff_signal(world, services.Suspect(description="J.K., invalleerkracht gym"))
    on_b = client_for(world.af).get(reverse("cases:signal-add", kwargs={"pk": case_b.pk})).content.decode()
    assert "Wordt een medewerker verdacht?" not in on_b
