"""The quick signal (issue 15): the essentials on one screen, the signal list as an optional second part, the child's
own words as a basis for the hand-over, their quotation marks shown once, one submission one record, and an urgent
signal that alerts at once."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.models import Alert, Case, FormSubmission, Signal, SignalListAddition, Transition
from cases.models.entries import strip_outer_quotes
from tests import factories

pytestmark = pytest.mark.django_db


def quick_data(pupil, **overrides) -> dict:
    """What a teacher fills in on the quick signal: the essentials only."""
    data = {
        "pupil": pupil.pk,
        "route": "A",
        "kind": "fact",
        "description": "Blauwe plek van ongeveer 4 cm op de linkeronderarm.",
        "observed_on": timezone.localdate().isoformat(),
        "place": "speelplein",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def quick(cast_a, client_for):
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="Fenna", last_name="Proefkind")
    client = client_for(cast_a.teacher)
    url = reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk})

    class Quick:
        pass

    q = Quick()
    q.pupil, q.client, q.url = pupil, client, url
    q.post = lambda **overrides: client.post(url, quick_data(pupil, **overrides))
    return q


# --- The form ---------------------------------------------------------------------------------------------------


def test_the_quick_signal_asks_only_the_essentials_with_today_filled_in(quick):
    response = quick.client.get(quick.url)
    assert response.status_code == 200
    form = response.context["form"]
    for name in ("pupil", "kind", "description", "observed_on", "place", "urgent"):
        assert name in form.fields, name
    assert "items" not in form.fields and "categories" not in form.fields  # the signal list comes after saving
    html = response.content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in html  # today, editable
    assert 'name="items"' not in html
    assert html.count('type="checkbox"') <= 3  # the third party's consent, urgent (and nothing like 100 boxes)
    assert 'name="submission"' in html


def test_the_pupil_is_chosen_from_the_teachers_own_groups_and_can_be_searched(quick, cast_a, cast_b):
    other_group = factories.PupilFactory(class_group=cast_a.group2, first_name="Andere", last_name="Groepsgenoot")
    factories.PupilFactory(class_group=cast_b.group1, first_name="Verre", last_name="Schoolgenoot")
    factories.PupilFactory(class_group=cast_a.group1, first_name="Bram", last_name="Anders")
    html = quick.client.get(quick.url).content.decode()
    assert "Proefkind" in html and "Anders" in html
    assert "Groepsgenoot" not in html and "Schoolgenoot" not in html
    # A search without JavaScript narrows the choice; one found is chosen.
    found = quick.client.get(quick.url, {"zoek": "proefk"})
    assert [p.pk for p in found.context["form"].shown_pupils] == [quick.pupil.pk]
    assert f'value="{quick.pupil.pk}" selected' in found.content.decode()
    # The start page's link chooses the pupil; a pupil of another group is not chosen.
    assert (
        f'value="{quick.pupil.pk}" selected'
        in quick.client.get(quick.url, {"leerling": quick.pupil.pk}).content.decode()
    )
    assert (
        " selected"
        not in quick.client.get(quick.url, {"leerling": other_group.pk})
        .content.decode()
        .split('name="pupil"')[1]
        .split("</select>")[0]
    )
    # Posting a pupil of another group is refused.
    response = quick.client.post(quick.url, quick_data(other_group))
    assert response.status_code == 200 and "pupil" in response.context["form"].errors
    assert not Case.objects.exists()


def test_a_refused_quick_signal_says_why_in_dutch_and_keeps_what_was_typed(quick):
    with translation.override("nl"):
        response = quick.client.post(
            quick.url,
            quick_data(quick.pupil, description="", place="bij de fietsenstalling"),
            HTTP_ACCEPT_LANGUAGE="nl",
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert "description" in response.context["form"].errors
    assert "Dit veld is verplicht." in html
    assert "bij de fietsenstalling" in html
    assert f'value="{quick.pupil.pk}" selected' in html
    assert not Signal.objects.exists()


def test_the_kind_brings_its_source_and_a_story_must_name_its_source(quick):
    quick.post(kind="fact")
    quick.post(kind="child_words", description="Papa slaat mij.")
    assert list(Signal.objects.order_by("pk").values_list("kind", "source")) == [
        ("fact", "own"),
        ("child_words", "child"),
    ]
    refused = quick.post(kind="story", description="De buurvrouw zegt dat het thuis misgaat.")
    assert refused.status_code == 200 and "source" in refused.context["form"].errors
    quick.post(kind="story", source="colleague", source_name="juf A.", description="Juf A. hoorde geschreeuw.")
    assert Signal.objects.filter(kind="story", source="colleague").count() == 1


def test_a_new_signal_offers_the_signal_list_as_its_second_part(quick):
    response = quick.post()
    signal = Signal.objects.get()
    details = reverse("cases:signal-details", kwargs={"pk": signal.case_id, "signal_id": signal.pk})
    assert response.status_code == 302 and response["Location"] == details
    page = quick.client.get(details)
    html = page.content.decode()
    assert html.count("<details") >= 13 and " open" not in html.split("data-signal-list")[1]  # collapsed per category
    # Searching without JavaScript opens the categories with what it finds.
    groups = quick.client.get(details, {"zoek": "blauwe plek"}).context["groups"]
    assert [g.code for g in groups if g.open] == ["physical"]
    assert [i.code for g in groups for i in g.items if i.found] == ["physical.bruises"]


def test_details_from_the_signal_list_are_added_beside_the_signal(quick, cast_a):
    quick.post()
    signal = Signal.objects.get()
    details = reverse("cases:signal-details", kwargs={"pk": signal.case_id, "signal_id": signal.pk})
    empty = quick.client.post(details, {})
    assert empty.status_code == 200 and empty.context["form"].non_field_errors()
    response = quick.client.post(details, {"items": ["physical.bruises", "behaviour.timid"], "note": "Twee keer."})
    assert response.status_code == 302
    addition = SignalListAddition.objects.get()
    assert addition.signal == signal and addition.case_id == signal.case_id and addition.author == cast_a.teacher
    assert addition.items == ["physical.bruises", "behaviour.timid"]
    assert addition.categories == ["physical", "behaviour"]  # an item brings its category
    assert Signal.objects.get().items == []  # the signal itself is not changed (append-only)
    with translation.override("nl"):
        page = quick.client.get(reverse("cases:case-detail", kwargs={"pk": signal.case_id})).content.decode()
    assert "Aangevuld uit de signalenlijst" in page and "Twee keer." in page


def test_the_case_page_signal_form_keeps_the_signal_list_collapsed(quick, cast_a):
    case = factories.open_case(cast_a.teacher, quick.pupil)
    html = quick.client.get(reverse("cases:signal-add", kwargs={"pk": case.pk})).content.decode()
    assert 'class="signal-list-part"' in html and 'name="items"' in html
    assert '<details class="signal-list-part" open' not in html


# --- One submission, one record ---------------------------------------------------------------------------------


def test_the_same_new_signal_sent_twice_is_recorded_once(quick):
    token = str(uuid.uuid4())
    first = quick.post(submission=token)
    assert first.status_code == 302
    with translation.override("nl"):
        again = quick.client.post(quick.url, quick_data(quick.pupil, submission=token), follow=True)
    assert Case.objects.count() == 1 and Signal.objects.count() == 1
    assert Transition.objects.count() == 1  # the case was not opened twice
    case = Case.objects.get()
    assert again.redirect_chain[-1][0] == reverse("cases:case-detail", kwargs={"pk": case.pk})
    assert "Dit was al opgeslagen" in again.content.decode()
    assert FormSubmission.objects.get(token=token).case == case
    # The same content again with a new token (back, then save: the browser restores what was typed into a page
    # fetched anew, with a new token) is the same signal sent again.
    assert quick.post(submission=str(uuid.uuid4()))["Location"] == reverse("cases:case-detail", kwargs={"pk": case.pk})
    assert Signal.objects.count() == 1
    # A new form with something new in it is a new signal, added to the pupil's open case.
    quick.post(submission=str(uuid.uuid4()), place="gymzaal")
    assert Case.objects.count() == 1 and Signal.objects.count() == 2


def test_a_refused_submission_does_not_use_up_its_token(quick):
    token = str(uuid.uuid4())
    assert quick.post(submission=token, place="").status_code == 200
    assert quick.post(submission=token).status_code == 302
    assert Signal.objects.count() == 1


def test_the_same_record_on_the_case_page_sent_twice_is_recorded_once(quick, cast_a):
    case = factories.open_case(cast_a.teacher, quick.pupil)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk})
    token = str(uuid.uuid4())
    data = {k: v for k, v in quick_data(quick.pupil, submission=token).items() if k not in ("pupil", "route")}
    assert quick.client.post(url, data).status_code == 302
    again = quick.client.post(url, data)
    assert again.status_code == 302 and again["Location"] == reverse("cases:case-detail", kwargs={"pk": case.pk})
    assert Signal.objects.filter(case=case).count() == 2  # the first signal and this one, once


def test_the_service_guard_refuses_a_token_already_used(quick, cast_a):
    case = factories.open_case(cast_a.teacher, quick.pupil)
    token = uuid.uuid4()
    with services.submission_once(user=cast_a.teacher, token=token, case=case):
        pass
    with (
        pytest.raises(services.AlreadySubmittedError) as refused,
        services.submission_once(user=cast_a.teacher, token=token, case=case),
    ):
        raise AssertionError("the block must not run")
    assert refused.value.case_id == case.pk


# --- The child's own words ---------------------------------------------------------------------------------------


def test_the_childs_own_words_alone_may_be_handed_over_for_consultation(quick, cast_a):
    quick.post(kind="child_words", description="Papa slaat mij als ik te laat ben.")
    case = Case.objects.get()
    assert case.blockers_to_consulting() == []
    services.case_transition(user=cast_a.teacher, case_id=case.pk, name="to_consulting", expected_state="signalling")
    assert Case.objects.get(pk=case.pk).state == "consulting"


@pytest.mark.parametrize(
    "signal",
    [
        {"kind": "story", "source": "colleague", "source_name": "juf A."},
        {"kind": "child_words", "source": "colleague", "source_name": "juf A."},  # the child's words, passed on
    ],
    ids=["story", "child-words-passed-on"],
)
def test_a_story_or_passed_on_words_alone_are_still_refused(cast_a, signal):
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1), **signal)
    with translation.override("nl"):
        assert case.blockers_to_consulting() == [
            "Leg eerst minstens één feitelijke waarneming of letterlijke uitspraak van het kind vast."
        ]
    with pytest.raises(services.TransitionBlockedError):
        services.case_transition(
            user=cast_a.teacher, case_id=case.pk, name="to_consulting", expected_state="signalling"
        )
    assert Case.objects.get(pk=case.pk).state == "signalling"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ('"Papa slaat mij."', "Papa slaat mij."),
        ("“Papa slaat mij.”", "Papa slaat mij."),
        ("„Papa slaat mij.”", "Papa slaat mij."),
        ("''Papa slaat mij.''", "Papa slaat mij."),
        ("  'Mama's vriend was boos.'  ", "Mama's vriend was boos."),
        ("Papa slaat mij.", "Papa slaat mij."),
        ('"Ga weg," zei ze, "nu."', '"Ga weg," zei ze, "nu."'),  # quotes of its own: left as typed
    ],
)
def test_quotation_marks_typed_around_the_childs_words_are_taken_off(typed, stored):
    assert strip_outer_quotes(typed) == stored


def test_the_childs_words_show_once_between_quotation_marks_marked_as_theirs(quick):
    quick.post(kind="child_words", description='"Papa slaat mij."')
    signal = Signal.objects.get()
    assert signal.description == "Papa slaat mij."
    with translation.override("nl"):
        page = quick.client.get(reverse("cases:case-detail", kwargs={"pk": signal.case_id})).content.decode()
    assert "“Papa slaat mij.”" in page
    assert '“"' not in page and '"”' not in page
    assert "Het kind zei letterlijk" in page


# --- Urgent ------------------------------------------------------------------------------------------------------


def test_an_urgent_signal_alerts_the_aandachtsfunctionaris_at_once(quick, cast_a):
    quick.post(urgent="on")
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.URGENT_SIGNAL and alert.record_id == Signal.objects.get().pk
    quick.post(submission=str(uuid.uuid4()), place="gymzaal")  # not urgent: no alert
    assert Alert.objects.count() == 1


# --- The start page ----------------------------------------------------------------------------------------------


def test_the_teachers_start_page_leads_straight_to_the_quick_signal(quick, cast_a):
    start = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": "teacher"})
    with translation.override("nl"):
        html = quick.client.get(start).content.decode()
    entry = html.index(f'href="{quick.url}"')
    assert "Signaal vastleggen" in html[entry : entry + 200]
    assert entry < html.index("meldingen") if "meldingen" in html else True  # before the lists
    assert f"{quick.url}?leerling={quick.pupil.pk}" in html
