"""The rules a record must meet before it is stored (domain.md §3, §6): through the forms, through the page that
opens a case, and at the model. A refused form keeps what the user typed and stores nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.forms import TEXT_LIMIT, ConsultationForm, ParentConversationForm, SignalForm
from cases.models import AuditEvent, Case, Consultation, Signal, Transition
from tests import factories

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


def signal_form_data(**overrides) -> dict:
    """Form data for a valid signal; ``None`` or ``False`` leaves a field out (as a browser would)."""
    data = {
        "observed_on": "2026-11-02",
        "observed_time": "",
        "place": "speelplein",
        "situation": "kleine pauze, groep 5 buiten",
        "others_present": "A.B.",
        "kind": "fact",
        "description": "Blauwe plek van ongeveer 4 cm op de linkeronderarm.",
        "frequency": "once",
        "frequency_count": "",
        "source": "own",
        "categories": ["physical"],
        "items": ["physical.bruises"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None and v is not False}


# (id, overrides, fields that must carry an error)
INVALID_SIGNALS = [
    ("third-party-without-consent", {"source": "third_party", "source_name": "de buurvrouw"}, ["source_consent"]),
    ("third-party-consent-but-no-name", {"source": "third_party", "source_consent": True}, ["source_name"]),
    ("third-party-nothing", {"source": "third_party"}, ["source_consent", "source_name"]),
    ("colleague-without-name", {"source": "colleague"}, ["source_name"]),
    ("others-present-full-name", {"others_present": "Jan de Vries"}, ["others_present"]),
    ("others-present-lowercase-name", {"others_present": "jan"}, ["others_present"]),
    ("others-present-one-bad-of-two", {"others_present": "A.B., Jan"}, ["others_present"]),
    ("other-children-full-name", {"other_children": "Jan de Vries"}, ["other_children"]),
    ("other-children-lowercase-name", {"other_children": "jan"}, ["other_children"]),
    ("observed-in-the-future", {"observed_on": TOMORROW.isoformat()}, ["observed_on"]),
    ("diagnosis-without-professional", {"diagnosis": "ADHD"}, ["diagnosis_by", "diagnosis_register"]),
    ("diagnosis-without-register", {"diagnosis": "ADHD", "diagnosis_by": "drs. P. Jansen"}, ["diagnosis_register"]),
    ("diagnosis-without-name", {"diagnosis": "ADHD", "diagnosis_register": "NIP 12345"}, ["diagnosis_by"]),
    ("once-but-five-times", {"frequency": "once", "frequency_count": "5"}, ["frequency_count"]),
    ("unknown-signal-list-item", {"items": ["physical.bruises", "physical.unicorn"]}, ["items"]),
    ("category-code-as-item", {"items": ["physical"]}, ["items"]),
    ("unknown-category", {"categories": ["aliens"]}, ["categories"]),
    ("overlong-description", {"description": "x" * (TEXT_LIMIT + 1)}, ["description"]),
    ("overlong-situation", {"situation": "x" * (TEXT_LIMIT + 1)}, ["situation"]),
    ("no-description", {"description": ""}, ["description"]),
]

VALID_SIGNALS = [
    ("base", {}),
    ("others-present-initials", {"others_present": "A.B., C.d.V."}),
    ("others-present-empty", {"others_present": ""}),
    ("other-children-initials", {"other_children": "A.B., C.d.V."}),
    ("third-party-with-consent-and-name", {"source": "third_party", "source_consent": True, "source_name": "buurman"}),
    ("colleague-with-name", {"source": "colleague", "source_name": "juf K."}),
    ("observed-today", {"observed_on": TODAY.isoformat()}),
    (
        "diagnosis-with-professional",
        {"diagnosis": "ADHD", "diagnosis_by": "drs. P. Jansen", "diagnosis_register": "NIP 12345"},
    ),
    ("once-with-count-one", {"frequency": "once", "frequency_count": "1"}),
    (
        "repeatedly-five-times",
        {"frequency": "repeatedly", "frequency_count": "5", "frequency_period": "sinds de herfst"},
    ),
    ("several-items", {"categories": ["physical", "behaviour"], "items": ["physical.bruises", "behaviour.timid"]}),
    ("no-items", {"categories": None, "items": None}),
    ("description-at-the-limit", {"description": "x" * TEXT_LIMIT}),
]


# --- SignalForm -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "fields"), [c[1:] for c in INVALID_SIGNALS], ids=[c[0] for c in INVALID_SIGNALS])
def test_signal_form_refuses(overrides, fields):
    form = SignalForm(data=signal_form_data(**overrides))
    assert not form.is_valid()
    for field in fields:
        assert field in form.errors, (field, form.errors.as_data())


@pytest.mark.django_db
@pytest.mark.parametrize("overrides", [c[1] for c in VALID_SIGNALS], ids=[c[0] for c in VALID_SIGNALS])
def test_signal_form_accepts(overrides):
    form = SignalForm(data=signal_form_data(**overrides))
    assert form.is_valid(), form.errors.as_data()


def test_signal_model_refuses_unknown_codes_and_non_lists(cast_a):
    """The codes are checked again at the model, whatever form or import fills them."""
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    for field, value in [
        ("items", ["physical.unicorn"]),
        ("items", "physical.bruises"),
        ("categories", ["aliens"]),
        ("categories", "physical"),
    ]:
        signal = factories.make_signal(**{field: value})
        signal.case, signal.author = case, cast_a.teacher
        with pytest.raises(ValidationError) as exc:
            signal.full_clean()
        assert field in exc.value.message_dict


def test_signal_model_refuses_a_full_name_and_a_third_party_without_consent(cast_a):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    signal = factories.make_signal(others_present="Jan de Vries", source="third_party", source_name="buurman")
    signal.case, signal.author = case, cast_a.teacher
    with pytest.raises(ValidationError) as exc:
        signal.full_clean()
    assert {"others_present", "source_consent"} <= set(exc.value.message_dict)


def test_the_initials_rule_names_the_bad_part(db):
    form = SignalForm(data=signal_form_data(others_present="A.B., Jan de Vries"))
    assert not form.is_valid()
    message = " ".join(form.errors["others_present"])
    assert "Vries" in message


# --- The page that opens a case -------------------------------------------------------------------------------


def record_counts() -> dict:
    return {
        "cases": Case.objects.count(),
        "signals": Signal.objects.count(),
        "transitions": Transition.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def new_signal(cast_a, client_for):
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="Fenna", last_name="Proefkind")
    url = reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk})
    client = client_for(cast_a.teacher)

    def post(**overrides):
        return client.post(url, {"pupil": pupil.pk, "route": "A", **signal_form_data(**overrides)})

    post.pupil = pupil
    post.url = url
    post.client = client
    return post


def test_a_valid_new_signal_opens_a_case(new_signal, cast_a):
    response = new_signal(place="gymzaal")
    assert response.status_code == 302
    case = Case.objects.get()
    signal = Signal.objects.get(case=case)
    # Then the quick signal's second part is offered: details from the signal list (issue 15).
    assert response["Location"] == reverse("cases:signal-details", kwargs={"pk": case.pk, "signal_id": signal.pk})
    assert list(case.pupils.all()) == [new_signal.pupil]
    assert Signal.objects.get(case=case).place == "gymzaal"
    assert Transition.objects.filter(case=case).count() == 1


# The quick signal has no signal list: that is its second part (issue 15).
INVALID_QUICK = [c for c in INVALID_SIGNALS if not {"items", "categories"} & set(c[1])]


@pytest.mark.parametrize(("overrides", "fields"), [c[1:] for c in INVALID_QUICK], ids=[c[0] for c in INVALID_QUICK])
def test_a_refused_new_signal_keeps_the_input_and_stores_nothing(new_signal, overrides, fields):
    before = record_counts()
    typed = {
        "place": "bij de fietsenstalling",
        "situation": "na schooltijd, wachtend op vervoer",
        "description": "Zei dat het thuis vaak onrustig is",
    }
    typed.update({k: v for k, v in overrides.items() if k in typed})
    response = new_signal(**{**typed, **overrides})
    assert response.status_code == 200
    form = response.context["form"]
    for field in fields:
        assert field in form.errors, (field, form.errors.as_data())
    html = response.content.decode()
    for key in ("place", "situation", "description"):
        if typed[key] and len(typed[key]) < 200:
            assert typed[key] in html, key
    for key in ("others_present", "other_children", "source_name", "diagnosis"):
        if overrides.get(key):
            assert f"{overrides[key]}" in html, key
    assert f'value="{new_signal.pupil.pk}" selected' in html
    assert 'class="error-summary"' in html
    assert record_counts() == before


def test_a_refused_signal_on_the_case_page_keeps_the_checked_signal_list_items(new_signal, cast_a):
    case = factories.open_case(cast_a.teacher, new_signal.pupil)
    response = new_signal.client.post(
        reverse("cases:signal-add", kwargs={"pk": case.pk}),
        signal_form_data(
            others_present="Jan de Vries",
            categories=["physical", "behaviour"],
            items=["physical.bruises", "behaviour.timid"],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("physical.bruises", "behaviour.timid"):
        assert f'value="{code}"' in html
    form = response.context["form"]
    assert form["items"].value() == ["physical.bruises", "behaviour.timid"]
    assert form["categories"].value() == ["physical", "behaviour"]


def test_a_teacher_cannot_pick_a_pupil_of_another_group(cast_a, cast_b, client_for):
    own = factories.PupilFactory(class_group=cast_a.group1, first_name="Eigen", last_name="Leerling")
    other_group = factories.PupilFactory(class_group=cast_a.group2, first_name="Andere", last_name="Groepsgenoot")
    other_school = factories.PupilFactory(class_group=cast_b.group1, first_name="Verre", last_name="Schoolgenoot")
    url = reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk})
    client = client_for(cast_a.teacher)

    page = client.get(url)
    assert page.status_code == 200
    assert list(page.context["form"].fields["pupil"].queryset) == [own]
    html = page.content.decode()
    assert "Groepsgenoot" not in html and "Schoolgenoot" not in html

    before = record_counts()
    for pupil in (other_group, other_school):
        response = client.post(url, {"pupil": pupil.pk, "route": "A", **signal_form_data()})
        assert response.status_code == 200
        assert "pupil" in response.context["form"].errors
    assert record_counts() == before


def test_the_service_refuses_a_case_about_a_pupil_of_another_group(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group2)
    before = record_counts()
    with pytest.raises(PermissionDenied):
        services.case_open(
            user=cast_a.teacher, school=cast_a.school, pupils=[pupil], route="A", signal=factories.make_signal()
        )
    assert record_counts() == before
    # The group's own teacher may.
    case = services.case_open(
        user=cast_a.other_teacher, school=cast_a.school, pupils=[pupil], route="A", signal=factories.make_signal()
    )
    assert list(case.pupils.all()) == [pupil]


def test_the_service_refuses_a_signal_that_breaks_a_rule(cast_a):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    before = record_counts()
    with pytest.raises(ValidationError):
        factories.open_case(cast_a.teacher, pupil, source="third_party", source_name="buurman")
    with pytest.raises(ValidationError):
        factories.open_case(cast_a.teacher, pupil, others_present="Jan de Vries")
    assert record_counts() == before


# --- Consultations --------------------------------------------------------------------------------------------


def consultation_data(**overrides) -> dict:
    data = {
        "kind": "colleague",
        "held_on": "2026-11-03",
        "participants": "IB'er, leerkracht",
        "organisation": "",
        "question": "Hoe verder?",
        "advice": "Gesprek met ouders plannen.",
    }
    data.update(overrides)
    if "sharing" not in data:  # domain.md §9.7: among colleagues within the school, or else anonymously
        data["sharing"] = "internal" if data["kind"] == "colleague" and not data["organisation"] else "anonymous"
    return {k: v for k, v in data.items() if v is not None and v is not False}


VT = {"kind": "vt_advice", "organisation": "Veilig Thuis", "vt_points": ["earlier_steps", "nature"]}
MDO = {"kind": "mdo", "held_on": "2026-11-10"}

INVALID_CONSULTATIONS = [
    ("vt-nothing-confirmed", VT, ["family_anonymous", "vt_registration"]),
    ("vt-family-not-anonymous", {**VT, "vt_registration": "anonymous"}, ["family_anonymous"]),
    ("vt-no-registration", {**VT, "family_anonymous": True}, ["vt_registration"]),
    (
        "vt-advised-report-without-reason",
        {**VT, "family_anonymous": True, "vt_registration": "anonymous", "vt_advised_report": True},
        ["vt_advised_report_reason"],
    ),
    (
        "vt-unknown-point",
        {**VT, "family_anonymous": True, "vt_registration": "anonymous", "vt_points": ["gossip"]},
        ["vt_points"],
    ),
    ("mdo-nothing", MDO, ["parents_present", "agenda_sent_on"]),
    ("mdo-parents-absent", {**MDO, "agenda_sent_on": "2026-11-05"}, ["parents_present"]),
    ("mdo-no-agenda", {**MDO, "parents_present": True}, ["agenda_sent_on"]),
    ("mdo-agenda-after-meeting", {**MDO, "parents_present": True, "agenda_sent_on": "2026-11-11"}, ["agenda_sent_on"]),
    ("held-in-the-future", {"held_on": TOMORROW.isoformat()}, ["held_on"]),
    ("overlong-advice", {"advice": "x" * (TEXT_LIMIT + 1)}, ["advice"]),
]

VALID_CONSULTATIONS = [
    ("colleague", {}),
    ("vt-complete", {**VT, "family_anonymous": True, "vt_registration": "adviser_name"}),
    (
        "vt-advised-report-with-reason",
        {
            **VT,
            "family_anonymous": True,
            "vt_registration": "anonymous",
            "vt_advised_report": True,
            "vt_advised_report_reason": "De signalen zijn ernstig en houden aan.",
        },
    ),
    ("mdo-agenda-before", {**MDO, "parents_present": True, "agenda_sent_on": "2026-11-05"}),
    ("mdo-agenda-same-day", {**MDO, "parents_present": True, "agenda_sent_on": "2026-11-10"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "fields"), [c[1:] for c in INVALID_CONSULTATIONS], ids=[c[0] for c in INVALID_CONSULTATIONS]
)
def test_consultation_form_refuses(overrides, fields):
    form = ConsultationForm(data=consultation_data(**overrides))
    assert not form.is_valid()
    for field in fields:
        assert field in form.errors, (field, form.errors.as_data())


@pytest.mark.django_db
@pytest.mark.parametrize("overrides", [c[1] for c in VALID_CONSULTATIONS], ids=[c[0] for c in VALID_CONSULTATIONS])
def test_consultation_form_accepts(overrides):
    form = ConsultationForm(data=consultation_data(**overrides))
    assert form.is_valid(), form.errors.as_data()


def test_the_consultation_page_refuses_a_vt_advice_without_anonymity_and_stores_nothing(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    before = Consultation.objects.count(), AuditEvent.objects.filter(action="create").count()
    url = reverse("cases:consultation-add", kwargs={"pk": case.pk})
    response = client_for(cast_a.ib).post(
        url,
        {
            **consultation_data(**VT, question="Mogen wij dit melden zonder toestemming?"),
            "acties-TOTAL_FORMS": "0",
            "acties-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert {"family_anonymous", "vt_registration"} <= set(response.context["form"].errors)
    assert "Mogen wij dit melden zonder toestemming?" in response.content.decode()
    assert (Consultation.objects.count(), AuditEvent.objects.filter(action="create").count()) == before


# --- Conversations with the parents ---------------------------------------------------------------------------


def conversation_data(**overrides) -> dict:
    data = {
        "held_on": "2026-11-04",
        "attendees": "moeder, IB'er, leerkracht",
        "purpose_explained": True,
        "recognition": "partly",
        "reaction": "Moeder schrok.",
        "report": "Verslag van het gesprek.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None and v is not False}


@pytest.mark.django_db
def test_conversation_form_requires_the_purpose_explained():
    form = ParentConversationForm(data=conversation_data(purpose_explained=False), signals=Signal.objects.none())
    assert not form.is_valid()
    assert "purpose_explained" in form.errors
    ok = ParentConversationForm(data=conversation_data(), signals=Signal.objects.none())
    assert ok.is_valid(), ok.errors.as_data()


@pytest.mark.django_db
def test_conversation_form_refuses_overlong_text_and_future_dates():
    form = ParentConversationForm(
        data=conversation_data(report="x" * (TEXT_LIMIT + 1), held_on=TOMORROW.isoformat()),
        signals=Signal.objects.none(),
    )
    assert not form.is_valid()
    assert {"report", "held_on"} <= set(form.errors)


def test_conversation_form_only_offers_the_cases_signals(cast_a):
    case = factories.case_in_state(cast_a, "parent_talk")
    other = factories.open_case(cast_a.ib, factories.PupilFactory(class_group=cast_a.group2))
    foreign = Signal.objects.get(case=other)
    form = ParentConversationForm(
        data=conversation_data(signals_discussed=[foreign.pk]), signals=Signal.objects.filter(case=case)
    )
    assert not form.is_valid()
    assert "signals_discussed" in form.errors
