"""Security: lock-out after failed logins, the audit of refused attempts, who looked at a case, bad input rendered as
text, and no pupil names in the application's logs."""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases import forms as case_forms
from cases.models import AuditEvent
from tests import factories
from tests.factories import PASSWORD

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_five_failed_logins_lock_the_account_with_a_dutch_message(anon_client, cast_a):
    for _ in range(5):
        response = login(anon_client, cast_a.ib.username, "fout")
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.content.decode()
    # Even the right password is refused while locked, and no session is made.
    response = login(anon_client, cast_a.ib.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in anon_client.session


def test_the_lock_out_is_kept_in_the_database_and_can_be_reset(anon_client, cast_a):
    from axes.models import AccessAttempt

    for _ in range(5):
        login(anon_client, cast_a.ib.username, "fout")
    assert AccessAttempt.objects.filter(username=cast_a.ib.username).exists()
    call_command("axes_reset_username", cast_a.ib.username, verbosity=0)
    response = login(anon_client, cast_a.ib.username, PASSWORD)
    assert response.status_code == 302


def test_fewer_failures_do_not_lock(anon_client, cast_a):
    for _ in range(4):
        login(anon_client, cast_a.ib.username, "fout")
    assert login(anon_client, cast_a.ib.username, PASSWORD).status_code == 302


def test_the_session_key_changes_at_login(anon_client, cast_a):
    anon_client.get(reverse("login"))
    anon_client.session.save()
    before = anon_client.session.session_key
    login(anon_client, cast_a.ib.username, PASSWORD)
    assert anon_client.session.session_key != before


def test_a_refused_attempt_on_a_case_is_audited(client_for, cast_a, cast_b):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    assert client_for(cast_b.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code == 404
    assert client_for(cast_a.teacher).get(reverse("cases:consultation-add", kwargs={"pk": case.pk})).status_code == 403
    denied = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.DENIED).order_by("pk")
    assert [(e.user, e.target) for e in denied] == [
        (cast_b.ib, "404 case-detail"),
        (cast_a.teacher, "403 consultation-add"),
    ]
    assert all(e.ip_address == "127.0.0.1" for e in denied)


def test_the_aandachtsfunctionaris_sees_who_looked_at_the_case(client_for, cast_a, cast_b):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    client_for(cast_b.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    response = client_for(cast_a.af).get(reverse("cases:case-audit", kwargs={"pk": case.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert str(cast_a.ib) in html and str(cast_b.ib) in html
    assert "geweigerd" in html and "bekeken" in html
    assert client_for(cast_a.ib).get(reverse("cases:case-audit", kwargs={"pk": case.pk})).status_code == 403
    assert client_for(cast_b.af).get(reverse("cases:case-audit", kwargs={"pk": case.pk})).status_code == 404


def _text_fields(form_class, **kwargs):
    form = form_class(**kwargs)
    return [
        name
        for name, field in form.fields.items()
        if type(field).__name__ == "CharField" and not getattr(field, "choices", None)
    ]


@pytest.mark.parametrize(
    "form_class",
    [
        case_forms.SignalForm,
        case_forms.KindcheckForm,
        case_forms.ConsultationForm,
        case_forms.ParentTalkSkipForm,
        case_forms.RiskAssessmentForm,
        case_forms.BoardNotificationForm,
    ],
    ids=lambda f: f.__name__,
)
def test_every_free_text_field_is_shown_as_text(form_class, client_for, cast_a):
    """Each free-text field of the form gets a script payload; the case page shows it escaped, never as markup."""
    from cases import permissions, services

    case = factories.case_in_state(cast_a, "weighing")
    fields = _text_fields(form_class)
    assert fields, form_class
    valid = {
        case_forms.SignalForm: factories.signal_data(),
        case_forms.KindcheckForm: {
            "done_on": "2026-11-02",
            "reason": "r",
            "other_minors": "no",
            "outcome": "o",
        },
        case_forms.ConsultationForm: {
            "kind": "colleague",
            "held_on": "2026-11-02",
            "participants": "p",
            "question": "q",
            "advice": "a",
        },
        case_forms.ParentTalkSkipForm: {"reason": "danger", "explanation": "e"},
        case_forms.RiskAssessmentForm: {"risk_factors": "r", "protective_factors": "p"},
        case_forms.BoardNotificationForm: {"informed_on": "2026-11-02", "informed_whom": "w", "how": "h"},
    }[form_class]
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in valid.items()}
    for name in fields:
        if name in ("others_present", "other_children"):
            continue  # initials only: a payload is refused there (tested in test_guards)
        data[name] = XSS
    form = form_class(data=data)
    assert form.is_valid(), form.errors
    entry = form.save(commit=False)
    permission = {
        case_forms.SignalForm: permissions.ADD_SIGNAL,
        case_forms.KindcheckForm: permissions.CONSULT,
        case_forms.ConsultationForm: permissions.CONSULT,
        case_forms.ParentTalkSkipForm: permissions.TALK_PARENTS,
        case_forms.RiskAssessmentForm: permissions.WEIGH,
        case_forms.BoardNotificationForm: permissions.ROUTE_B,
    }[form_class]
    services.entry_record(user=cast_a.af, case=case, entry=entry, permission=permission)
    html = client_for(cast_a.af).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    assert XSS not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_no_pupil_name_in_the_application_log(client_for, cast_a, caplog):
    """A whole journey of steps 1-4 through the pages leaves no pupil name in the log output."""
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="Zwaantje", last_name="Korenbloem")
    caplog.set_level(logging.DEBUG)
    teacher = client_for(cast_a.teacher)
    response = teacher.post(
        reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}),
        {**factories.signal_data(observed_on="2026-11-02"), "pupil": pupil.pk, "route": "A"},
    )
    assert response.status_code == 302
    case = pupil.cases.get()
    teacher.post(
        reverse("cases:case-transition", kwargs={"pk": case.pk, "name": "to_consulting"}),
        {"expected_state": "signalling"},
    )
    ib = client_for(cast_a.ib)
    ib.get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    client_for(factories.UserFactory()).get(reverse("cases:case-detail", kwargs={"pk": case.pk}))  # a 404 is logged
    text = caplog.text
    assert "Not Found" in text  # the log was captured
    assert "Zwaantje" not in text and "Korenbloem" not in text
