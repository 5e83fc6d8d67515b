"""The parents' requests to see, copy or correct the file (domain.md §5): recorded on the case by the IB'er or the
aandachtsfunctionaris, answered within one calendar month (a deadline like the others, with reminders that name
nothing), and handled with a second record. Both are append-only chronology entries."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases import deadlines, notify
from cases.models import AccessRequest, AccessRequestHandled, AppendOnlyError, Case, ReminderSent
from dossier import selectors as dossier_selectors
from dossier import services as dossier_services
from tests import factories
from tests.cases.test_deadlines import assert_no_case_details, d, travel, walk_to
from tests.tasks import reset_mail, sent_mail


def case_with_guardian(cast, state="consulting"):
    case = walk_to(cast, state)
    guardian = factories.GuardianFactory(pupil=case.pupils.get(), name="Anouk Proefmoeder")
    return Case.objects.get(pk=case.pk), guardian


def record(cast, case, guardian, received: str, kind="inspection") -> AccessRequest:
    return dossier_services.access_request_record(
        user=cast.ib,
        case=case,
        request=AccessRequest(kind=kind, received_on=d(received), requester=guardian),
    )


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-01-31", "2026-02-28"),  # to the end of a shorter month
        ("2028-01-31", "2028-02-29"),  # a leap year
        ("2026-03-31", "2026-04-30"),
        ("2026-01-15", "2026-02-15"),
        ("2026-12-20", "2027-01-20"),  # across the year
    ],
)
def test_the_deadline_is_one_calendar_month_after_receipt(received, due):
    assert deadlines.access_request_due(d(received)) == d(due)


def test_the_deadline_shows_on_the_case_and_disappears_when_answered(cast_a, client_for):
    with travel("2026-02-20"):
        case, guardian = case_with_guardian(cast_a)
        request = record(cast_a, case, guardian, "2026-01-31")
        page = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
        found = [x for x in page.context["case"].deadlines if x.kind == deadlines.ACCESS_REQUEST]
        assert [(x.due, x.overdue, x.user) for x in found] == [(d("2026-02-28"), False, cast_a.ib)]
        assert '<time datetime="2026-02-28">' in page.content.decode()
        start = client_for(cast_a.af).get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "af"}))
        assert [c.pk for c in start.context["request_cases"]] == [case.pk]

        dossier_services.access_request_handle(
            user=cast_a.af,
            case=case,
            handled=AccessRequestHandled(
                request=request, handled_on=d("2026-02-20"), outcome="granted", notes="Inzage op school gegeven."
            ),
        )
        page = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
        assert deadlines.ACCESS_REQUEST not in {x.kind for x in page.context["case"].deadlines}
        with pytest.raises(Exception):  # noqa: B017 - a second answer is refused (validation or uniqueness)
            dossier_services.access_request_handle(
                user=cast_a.af,
                case=case,
                handled=AccessRequestHandled(request=request, handled_on=d("2026-02-20"), outcome="granted", notes="x"),
            )
    assert AccessRequestHandled.objects.count() == 1


def test_a_request_on_a_closed_case_still_has_its_deadline_and_reminders(cast_a, settings):
    settings.MELDCODE_BASE_URL = "https://meldcode.example.invalid"
    from tests.dossier.test_retention import closed_case

    with travel("2027-01-10"):
        case = closed_case(cast_a, marker="Gesloten-1A")
        guardian = case.pupils.get().guardians.get()
        request = record(cast_a, case, guardian, "2027-01-09", kind="copy")
    assert case.state == "closed"
    due = deadlines.access_request_due(request.received_on)
    assert due == d("2027-02-09")
    reset_mail()
    with travel("2027-02-01", 7):
        assert notify.send_due_reminders() == 0  # more than a week before
    with travel("2027-02-02", 7):
        # A week before: the aandachtsfunctionaris and the IB'er who recorded it, once each.
        call_command("send_reminders")
        call_command("send_reminders")
    assert sorted(m.to[0] for m in sent_mail()) == sorted([cast_a.af.email, cast_a.ib.email])
    with travel("2027-02-09", 7):
        assert notify.send_due_reminders() == 2  # and on the day
        assert notify.send_due_reminders() == 0
    assert ReminderSent.objects.filter(case=case).count() == 4
    assert_no_case_details(case, sent_mail())
    for message in mail.outbox:
        assert guardian.name not in message.body


def test_two_requests_on_one_case_are_two_deadlines_with_their_own_reminders(cast_a):
    with travel("2026-03-02"):
        case, guardian = case_with_guardian(cast_a)
        record(cast_a, case, guardian, "2026-03-02")
        record(cast_a, case, guardian, "2026-03-02", kind="correction")
    reset_mail()
    with travel("2026-04-02", 7):  # the due date (both reminders are due by now)
        notify.send_due_reminders()
        assert notify.send_due_reminders() == 0
    sent = ReminderSent.objects.filter(case=case, kind__startswith=deadlines.ACCESS_REQUEST)
    # Two requests × (a week before, on the day) × (the aandachtsfunctionaris, the IB'er who recorded them).
    assert sent.count() == 8
    assert len(set(sent.filter(user=cast_a.af).values_list("kind", flat=True))) == 4


def test_the_form_keeps_the_input_and_refuses_a_parent_of_another_pupil(cast_a, cast_b, client_for):
    case, guardian = case_with_guardian(cast_a)
    stranger = factories.GuardianFactory(pupil=factories.PupilFactory(class_group=cast_a.group2))
    url = reverse("dossier:access-request-add", kwargs={"pk": case.pk})
    data = {"kind": "correction", "received_on": "", "requester": guardian.pk, "details": "Geboortedatum klopt niet."}
    response = client_for(cast_a.ib).post(url, data)
    assert response.status_code == 200
    assert "received_on" in response.context["form"].errors
    assert "Geboortedatum klopt niet." in response.content.decode()
    assert list(response.context["form"].fields["requester"].queryset) == [guardian]
    response = client_for(cast_a.ib).post(
        url, {**data, "received_on": str(timezone.localdate()), "requester": stranger.pk}
    )
    assert response.status_code == 200 and "requester" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        dossier_services.access_request_record(
            user=cast_a.ib,
            case=case,
            request=AccessRequest(kind="inspection", received_on=timezone.localdate(), requester=stranger),
        )
    assert client_for(cast_a.teacher).post(url, {**data, "received_on": str(timezone.localdate())}).status_code == 403
    assert client_for(cast_b.af).get(url).status_code == 404
    assert not AccessRequest.objects.exists()

    response = client_for(cast_a.ib).post(url, {**data, "received_on": str(timezone.localdate())})
    assert response.status_code == 302
    request = AccessRequest.objects.get()
    assert (request.author, request.requester, request.kind) == (cast_a.ib, guardian, "correction")
    page = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    assert "Anouk Proefmoeder" in page.content.decode()


def test_requests_are_append_only(cast_a):
    case, guardian = case_with_guardian(cast_a)
    request = record(cast_a, case, guardian, str(timezone.localdate() - datetime.timedelta(days=1)))
    request.details = "anders"
    with pytest.raises(AppendOnlyError):
        request.save()
    with pytest.raises(AppendOnlyError):
        AccessRequest.objects.filter(pk=request.pk).delete()


def test_the_parent_extract_shows_the_request_but_not_the_legal_hold(cast_a):
    from cases import selectors
    from dossier import extract

    case, guardian = case_with_guardian(cast_a)
    record(cast_a, case, guardian, str(timezone.localdate()))
    dossier_services.legal_hold_set(user=cast_a.af, case=case, placed=True, reason="Klachtprocedure.")
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    result = extract.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )
    by_kind = {item.kind: item for item in result.items}
    assert by_kind["accessrequest"].included
    assert not by_kind["legalhold"].included and by_kind["legalhold"].reason
