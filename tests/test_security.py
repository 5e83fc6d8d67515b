"""Security: lock-out after failed logins, the audit of refused attempts, who looked at a case, bad input rendered as
text, and no pupil names in the application's logs."""

import importlib
import inspect
import logging
import pkgutil
from pathlib import Path

import pytest
from django import forms as django_forms
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.core.validators import MaxLengthValidator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cases.models import AuditEvent
from tests import factories
from tests.factories import PASSWORD

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


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


# --- Bad input, generated from every form of the application -------------------------------------------------------
# The forms are discovered (every Form/ModelForm class defined in the project's own apps), so a new form is tested
# without editing this file.


def _project_apps() -> list[str]:
    """The installed apps whose code is in this repository: a top-level folder of it (not Django's or a library's,
    even when the virtual environment lives inside the repository)."""
    root = Path(settings.BASE_DIR).resolve()
    return [app.name for app in django_apps.get_app_configs() if Path(app.path).resolve().parent == root]


PROJECT_APPS = _project_apps()


def _import_all_modules() -> None:
    for name in PROJECT_APPS:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def discover_form_classes() -> list[type]:
    _import_all_modules()
    found = {
        cls
        for cls in _subclasses(django_forms.BaseForm)
        if cls.__module__.split(".")[0] in PROJECT_APPS
        and not (issubclass(cls, django_forms.BaseModelForm) and getattr(cls._meta, "model", None) is None)
    }
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORM_CLASSES = discover_form_classes()


def make_form(form_class, **kwargs):
    """An instance of ``form_class``; keyword-only arguments it requires are given neutral values (an int: 1;
    anything else, usually the choices of a field: an empty queryset)."""
    from django.contrib.auth.models import Group

    params = inspect.signature(form_class.__init__).parameters.values()
    for param in params:
        if param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty:
            kwargs.setdefault(param.name, 1 if param.annotation in (int, "int") else Group.objects.none())
    return form_class(**kwargs)


def free_text_fields(form) -> list[str]:
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, django_forms.CharField)
        and not isinstance(field.widget, django_forms.PasswordInput | django_forms.HiddenInput)
    ]


def text_limit(field) -> int | None:
    limits = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    if field.max_length is not None:
        limits.append(field.max_length)
    return min(limits) if limits else None


def render(form) -> str:
    """The form as the application's pages render it: each field through ``_field.html``, and Django's own."""
    fields = "".join(render_to_string("_field.html", {"field": bound}) for bound in form)
    return fields + str(form.non_field_errors()) + str(form)


def test_the_forms_are_discovered():
    names = {cls.__name__ for cls in FORM_CLASSES}
    assert {"SignalForm", "ConsultationForm", "RedactionForm", "SecondFactorCodeForm", "ClassGroupForm"} <= names


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
def test_a_script_in_any_free_text_field_is_shown_as_text_when_the_form_comes_back(form_class, db):
    form = make_form(form_class)
    fields = free_text_fields(form)
    if not fields:
        pytest.skip("no free-text field")
    bound = make_form(form_class, data=dict.fromkeys(fields, XSS))
    bound.is_valid()
    html = render(bound)
    assert XSS not in html
    assert "<script>" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    if any(not isinstance(form.fields[n].widget, django_forms.PasswordInput) for n in fields):
        assert ESCAPED in html


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
def test_every_free_text_field_has_a_length_limit_with_a_dutch_message(form_class, db):
    form = make_form(form_class)
    for name in free_text_fields(form):
        limit = text_limit(form.fields[name])
        assert limit is not None, f"{form_class.__name__}.{name} accepts text of any length"
        with translation.override("nl"):
            bound = make_form(form_class, data={name: "x" * (limit + 1)})
            assert not bound.is_valid()
            messages = " ".join(str(m) for m in bound.errors.get(name, []))
        assert f"niet meer dan {limit} tekens" in messages, (form_class.__name__, name, messages)


def _entry_kind_urls() -> dict[str, str]:
    """The URL name of each kind of entry a case page can record (``views.entry_add``)."""
    from cases.urls import case_patterns

    return {p.default_args["kind"]: f"cases:{p.name}" for p in case_patterns if "kind" in p.default_args}


def _field_value(field):
    if isinstance(field, django_forms.ModelMultipleChoiceField):
        first = field.queryset.first()
        return [first.pk] if first else []
    if isinstance(field, django_forms.ModelChoiceField):
        first = field.queryset.first()
        return first.pk if first else ""
    if isinstance(field, django_forms.MultipleChoiceField):
        values = [v for v, _label in field.choices if v not in ("", None) and not isinstance(_label, list | tuple)]
        return values[:1]
    if isinstance(field, django_forms.ChoiceField):
        values = [v for v, _label in field.choices if v not in ("", None) and not isinstance(_label, list | tuple)]
        return values[0] if values else ""
    if isinstance(field, django_forms.BooleanField):
        return "on"
    if isinstance(field, django_forms.DateTimeField):
        return "2026-11-02T10:00"
    if isinstance(field, django_forms.DateField):
        return "2026-11-02"
    if isinstance(field, django_forms.TimeField):
        return "10:00"
    if isinstance(field, django_forms.IntegerField | django_forms.DecimalField | django_forms.FloatField):
        return "1"
    if isinstance(field, django_forms.CharField) and not isinstance(field.widget, django_forms.HiddenInput):
        return XSS
    return field.initial if field.initial is not None else ""


@pytest.mark.parametrize("kind", sorted(_entry_kind_urls()))
def test_a_script_in_a_recorded_entry_is_shown_as_text_on_the_case_page(kind, client_for, cast_a):
    """Every kind of entry, filled through its page with a script payload in every free-text field and valid values
    elsewhere (fields that refuse the payload, such as initials, are left empty): the form that comes back and,
    when the entry is saved, the case page show the payload as text."""
    from cases import views

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    earlier = None
    if kind == "lookback":  # (issue 17: a look back needs an earlier case of the pupil)
        earlier = factories.open_case(cast_a.teacher, pupil)
    # (issue 17: pupils involved with their part are a case of route C's)
    if kind == "suspect":  # (issue 17: a suspect is named in a staff case, route B)
        from cases import services

        case, _opened = services.signal_submit(
            user=cast_a.teacher,
            school=cast_a.school,
            pupil=pupil,
            route="B",
            signal=factories.make_signal(),
            suspected=[services.Suspect(description="J.K., invalleerkracht gym")],
        )
    else:
        case = factories.case_in_state(cast_a, "weighing", pupil=pupil, route="C" if kind == "involvement" else "A")
        factories.add_conversation(cast_a.ib, case)  # (kinds that refer to a conversation)
    config = views.ENTRY_KINDS[kind]
    form = config.form_class(**config.form_kwargs(case))
    data = {name: _field_value(field) for name, field in form.fields.items()}
    data = {k: v for k, v in data.items() if v not in (None, "")}
    if earlier is not None:  # (its choices come from the view, for the user who looks back)
        data["earlier_reference"] = earlier.reference
    if kind == "suspect":  # (a description only: the colleague first in the list could be the one who asks)
        data.pop("staff_member", None)
    if config.with_actions:
        data |= {"acties-TOTAL_FORMS": "1", "acties-INITIAL_FORMS": "0", "acties-0-who": XSS, "acties-0-what": XSS}
    client = client_for(cast_a.af)
    url = reverse(_entry_kind_urls()[kind], kwargs={"pk": case.pk})
    for _attempt in range(4):
        response = client.post(url, data)
        if response.status_code != 200:
            break
        html = response.content.decode()
        assert XSS not in html
        errors = response.context["form"].errors
        blanked = [name for name in errors if name in data]
        if not blanked:
            break
        for name in blanked:
            data.pop(name)
    if response.status_code == 403:
        pytest.skip(f"{kind}: not allowed in this step for the aandachtsfunctionaris")
    if response.status_code == 200:
        # Not saved only when the entry needs a record this case does not have (a monitoring agreement…).
        form = response.context["form"]
        assert not form.non_field_errors(), form.non_field_errors()
        for name in form.errors:
            field = form.fields[name]
            assert isinstance(field, django_forms.ModelChoiceField) and not field.queryset.exists(), (name, form.errors)
        return
    assert response.status_code == 302, response.status_code
    page = client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    assert XSS not in page
    shown = [v for v in data.values() if v == XSS]
    if shown:
        assert ESCAPED in page, f"{kind}: the payload was saved but is not on the case page"


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
