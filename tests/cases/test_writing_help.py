"""The writing help (cases/writing_help.py, issue 15 item 5): the Dutch word lists and what they point out (each
category, inflections, phrases, whole words, quotes and reported speech, no hints in factual sentences); the names of
other people the school knows with the initials to write instead; the htmx endpoints (who may ask, CSRF, only the
own school's names); the warnings after saving without JavaScript — never a refusal."""

import tomllib

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from cases import writing_help
from cases.models import AuditEvent, Case, CaseState, Consultation, Signal
from schools.names import Kind, NameIndex, Person
from tests import factories
from tests.cases.test_record_rules import signal_form_data
from tests.otp import login_verified


def kinds(text, **kwargs):
    return [(h.kind, h.text) for h in writing_help.hints(text, **kwargs)]


# --- The word lists ---------------------------------------------------------------------------------------------


def test_the_data_file_has_every_category_and_a_tip_for_every_term():
    found = writing_help.terms()
    assert {t.kind for t in found} == set(writing_help.CATEGORIES.values())
    assert all(t.tip for t in found)
    with writing_help.DATA_FILE.open("rb") as handle:
        assert len(tomllib.load(handle)["term"]) >= 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Interpretations, with their inflections.
        ("Hij wordt thuis mishandeld.", [("interpretation", "mishandeld")]),
        ("Er is sprake van mishandeling.", [("interpretation", "mishandeling")]),
        ("Vermoeden van kindermishandeling", [("interpretation", "kindermishandeling")]),
        (
            "Het kind is verwaarloosd; de verwaarlozing duurt al lang.",
            [
                ("interpretation", "verwaarloosd"),
                ("interpretation", "verwaarlozing"),
            ],
        ),
        (
            "Ze voelt zich geïntimideerd en geintimideerd.",
            [
                ("interpretation", "geïntimideerd"),
                ("interpretation", "geintimideerd"),
            ],
        ),
        # Diagnoses, in capitals or not.
        (
            "Hij is depressief, zijn moeder heeft een depressie.",
            [
                ("diagnosis", "depressief"),
                ("diagnosis", "depressie"),
            ],
        ),
        (
            "Waarschijnlijk ADHD of adhd.",
            [("assumption", "Waarschijnlijk"), ("diagnosis", "ADHD"), ("diagnosis", "adhd")],
        ),
        (
            "Misschien PDD-NOS, of een burn-out.",
            [
                ("assumption", "Misschien"),
                ("diagnosis", "PDD-NOS"),
                ("diagnosis", "burn-out"),
            ],
        ),
        # Assumptions: phrases, over a line break, in either word order.
        ("Ik denk dat het thuis niet goed gaat.", [("assumption", "Ik denk")]),
        ("Ik\ndenk het wel; dat denk ik ook.", [("assumption", "Ik\ndenk"), ("assumption", "denk ik")]),
        ("Het lijkt erop dat hij honger heeft.", [("assumption", "lijkt erop")]),
        ("Hij lijkt moe.", [("assumption", "lijkt")]),
        ("Volgens mij klopt het niet.", [("assumption", "Volgens mij")]),
        # Judgements and feelings.
        ("Vader was agressief en een slechte ouder.", [("judgement", "agressief"), ("judgement", "slechte ouder")]),
        ("Ze was bang en verdrietig.", [("feeling", "bang"), ("feeling", "verdrietig")]),
    ],
)
def test_it_points_out_interpretations_diagnoses_assumptions_judgements_and_feelings(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Op maandag 2 november om 8.30 uur zag ik op het speelplein een blauwe plek van ongeveer 3 bij 4 cm op zijn "
        "linker bovenarm.",
        "Hij kwam om 9.15 uur binnen, twintig minuten te laat, zonder jas en zonder brood.",
        "Ze had dezelfde trui aan als vrijdag; er zaten vlekken op de mouwen.",
        "Het blijkt dat hij gelijk had; de wond is vergelijkbaar met die van vorige week.",  # not "lijkt"
        "Tijdens de gymles trok ze haar shirt niet uit en ging ze in de hoek zitten.",
        "Hij rende naar Bangladesh-straat en zei niets.",  # not "bang"
        "Een vreemde man stond bij het hek. Zo snel mogelijk belde ik de IB'er.",
        "Hij huilde en hield zijn handen voor zijn gezicht toen vader binnenkwam.",
        "Hij denkt lang na voordat hij antwoordt.",  # "denkt", not "ik denk"
    ],
)
def test_factual_sentences_get_no_hints(text):
    assert kinds(text) == []


def test_the_childs_or_a_parents_words_between_quotes_are_not_pointed_out():
    assert kinds("Ze zei: “ik ben bang voor papa”.") == []
    assert kinds('Hij zei "mama is depressief" en ging zitten.') == []
    assert kinds("Hij riep 'ik denk dat ik doodga'.") == []
    assert kinds("Ze fluisterde ‘papa is boos’.") == []
    assert kinds("„Ik ben bang”, zei ze.") == []


def test_reported_speech_is_what_was_heard_until_a_quote_closes():
    assert kinds("Moeder vertelde dat ze depressief is.") == []
    assert kinds("Moeder vertelde dat ze depressief is. Ik denk dat het klopt.") == [("assumption", "Ik denk")]
    assert kinds("'s Ochtends zei hij 'mama is boos' en zo'n kind is agressief.") == [("judgement", "agressief")]


def test_the_childs_own_words_are_not_pointed_out_at_all():
    assert kinds("papa slaat me en ik ben bang", verbatim=True) == []


def test_a_word_list_with_a_mistake_is_refused_clearly():
    with pytest.raises(ImproperlyConfigured, match="soort"):
        writing_help.parse_terms({"term": [{"soort": "mening", "woorden": ["vind ik"]}]})
    with pytest.raises(ImproperlyConfigured, match="a \\* only at the end"):
        writing_help.parse_terms({"term": [{"soort": "aanname", "woorden": ["li*"]}]})
    with pytest.raises(ImproperlyConfigured, match="unknown keys"):
        writing_help.parse_terms({"term": [{"soort": "aanname", "woorden": ["ik denk"], "tips": "x"}]})


# --- Names ------------------------------------------------------------------------------------------------------

PEOPLE = [
    Person(Kind.PUPIL, "Sem", "Wildervanck", 1),
    Person(Kind.PUPIL, "Daan", "van der Berg", 3),
    Person(Kind.PUPIL, "José", "Bakker", 4),
    Person(Kind.GUARDIAN, "Karel", "Wildervanck", 1),
    Person(Kind.STAFF, "Femke", "Brandsma", 90),
]
OWN = [Person(Kind.PUPIL, "Noor", "Veldkamp", 10), Person(Kind.GUARDIAN, "Marieke", "Veldkamp", 10)]


@pytest.fixture(scope="module")
def names():
    return NameIndex(PEOPLE, exclude=OWN)


@pytest.mark.parametrize(
    ("text", "written", "initials"),
    [
        ("Sem Wildervanck duwde hem.", "Sem Wildervanck", "S.W."),  # another pupil
        ("Karel Wildervanck haalde hem op.", "Karel Wildervanck", "K.W."),  # a parent of another pupil
        ("Femke Brandsma zag het ook.", "Femke Brandsma", "F.B."),  # staff
        ("Jose Bakker stond erbij.", "Jose Bakker", "J.B."),  # without the accent
        ("Daan van der Berg en", "Daan van der Berg", "D.v.d.B."),  # tussenvoegsel
        ("Daan v.d. Berg's jas", "Daan v.d. Berg's", "D.v.d.B."),  # abbreviated, possessive
        ("met Sem\nWildervanck", "Sem\nWildervanck", "S.W."),  # over a line break
    ],
)
def test_a_full_name_of_someone_else_is_pointed_out_with_the_initials_to_write(names, text, written, initials):
    (hint,) = writing_help.hints(text, names=names)
    assert (hint.kind, hint.text, hint.initials) == ("name", written, initials)
    assert initials in hint.message
    assert "Sem Wildervanck" not in hint.message or written == "Sem Wildervanck"  # whose name: not said


def test_the_own_pupil_and_family_and_initials_are_not_pointed_out(names):
    assert kinds("Noor Veldkamp vertelde het aan Marieke Veldkamp. S.W. stond erbij.", names=names) == []


def test_a_first_name_alone_is_pointed_out_without_initials(names):
    (hint,) = writing_help.hints("Daan stond erbij.", names=names)
    assert (hint.kind, hint.initials) == ("name", "")
    assert hint.message == "de naam van iemand anders die de school kent. Schrijf in plaats daarvan de initialen."


def test_names_are_pointed_out_inside_quotes_and_reported_speech(names):
    assert kinds("Ze zei: “Sem Wildervanck slaat mij”.", names=names) == [("name", "Sem Wildervanck")]


def test_each_word_is_listed_once(names):
    found = writing_help.distinct(
        writing_help.hints("Ik denk, ik denk. Sem Wildervanck en sem wildervanck", names=names)
    )
    assert [(h.kind, h.words) for h in found] == [("assumption", "Ik denk"), ("name", "Sem Wildervanck")]


# --- The endpoints ----------------------------------------------------------------------------------------------


@pytest.fixture
def school_people(cast_a, cast_b):
    own = factories.PupilFactory(class_group=cast_a.group1, first_name="Noor", last_name="Veldkamp")
    other = factories.PupilFactory(class_group=cast_a.group2, first_name="Sem", last_name="Wildervanck")
    factories.GuardianFactory(pupil=other, name="Karel Wildervanck")
    factories.PupilFactory(class_group=cast_b.group1, first_name="Quinten", last_name="Elders")  # school B
    cast_a.ib.first_name, cast_a.ib.last_name = "Femke", "Brandsma"
    cast_a.ib.save()
    return own, other


TEXT = (
    "Ik denk dat Noor Veldkamp mishandeld wordt. Sem Wildervanck, Karel Wildervanck, Femke Brandsma en Quinten Elders."
)


def new_signal_url(school):
    return reverse("cases:writing-help-new-signal", kwargs={"school_id": school.pk})


def hint_words(response):
    return [h.words for h in response.context["hints"]]


def test_a_teacher_gets_hints_for_a_new_signal_about_their_pupil(cast_a, school_people, client_for):
    own, _other = school_people
    response = client_for(cast_a.teacher).post(
        new_signal_url(cast_a.school), {"writing_help_field": "description", "description": TEXT, "pupil": own.pk}
    )
    assert response.status_code == 200
    assert hint_words(response) == ["Ik denk", "mishandeld", "Sem Wildervanck", "Karel Wildervanck", "Femke Brandsma"]
    html = response.content.decode()
    assert "S.W." in html and "K.W." in html and "F.B." in html
    assert "Quinten" not in html  # a pupil of school B: its names never come into school A's index
    assert "Noor Veldkamp" not in html  # the chosen pupil


def test_without_a_pupil_the_chosen_one_is_not_known_and_another_groups_pupil_is_not_excluded(
    cast_a, school_people, client_for
):
    own, other = school_people
    client = client_for(cast_a.teacher)
    url = new_signal_url(cast_a.school)
    response = client.post(url, {"writing_help_field": "description", "description": "Noor Veldkamp"})
    assert hint_words(response) == ["Noor Veldkamp"]
    # A pupil the teacher may not choose (group 2) is not excluded: the answer does not depend on it.
    response = client.post(url, {"writing_help_field": "description", "description": TEXT, "pupil": other.pk})
    assert "Sem Wildervanck" in hint_words(response)


def test_the_childs_own_words_get_name_hints_only(cast_a, school_people, client_for):
    response = client_for(cast_a.teacher).post(
        new_signal_url(cast_a.school),
        {"writing_help_field": "description", "description": "ik denk Sem Wildervanck", "kind": "child_words"},
    )
    assert hint_words(response) == ["Sem Wildervanck"]


def test_another_school_gets_404_and_an_unknown_field_400(cast_a, cast_b, school_people, client_for):
    response = client_for(cast_b.teacher).post(
        new_signal_url(cast_a.school), {"writing_help_field": "description", "description": TEXT}
    )
    assert response.status_code == 404
    response = client_for(cast_a.teacher).post(
        new_signal_url(cast_a.school), {"writing_help_field": "source_name", "source_name": TEXT}
    )
    assert response.status_code == 400


def test_the_endpoint_needs_the_csrf_token_and_a_post(cast_a, school_people):
    client = login_verified(Client(enforce_csrf_checks=True), cast_a.teacher)
    url = new_signal_url(cast_a.school)
    assert client.post(url, {"writing_help_field": "description", "description": TEXT}).status_code == 403
    assert client.get(url).status_code == 405


def test_on_a_case_the_cases_pupils_are_not_someone_else_and_nothing_is_audited(cast_a, school_people, client_for):
    own, _other = school_people
    case = factories.open_case(cast_a.teacher, own)
    audit_before = AuditEvent.objects.count()
    url = reverse("cases:writing-help", kwargs={"pk": case.pk, "kind": "signal"})
    response = client_for(cast_a.teacher).post(url, {"writing_help_field": "description", "description": TEXT})
    assert response.status_code == 200
    assert "Noor Veldkamp" not in hint_words(response) and "Sem Wildervanck" in hint_words(response)
    assert AuditEvent.objects.count() == audit_before


def test_on_a_case_who_may_ask_is_who_may_add_the_record(cast_a, cast_b, school_people, client_for):
    own, _other = school_people
    case = factories.open_case(cast_a.teacher, own)
    factories.advance(cast_a.teacher, case, "to_consulting")
    data = {"writing_help_field": "advice", "advice": TEXT}
    url = reverse("cases:writing-help", kwargs={"pk": case.pk, "kind": "consultation"})
    assert client_for(cast_a.ib).post(url, data).status_code == 200
    assert client_for(cast_a.teacher).post(url, data).status_code == 403  # sees the case, may not consult
    assert client_for(cast_a.other_teacher).post(url, data).status_code == 404  # does not see it
    assert client_for(cast_b.af).post(url, data).status_code == 404
    unknown = reverse("cases:writing-help", kwargs={"pk": case.pk, "kind": "parentview"})
    assert client_for(cast_a.ib).post(unknown, {"writing_help_field": "text", "text": TEXT}).status_code == 404


def test_the_fields_offer_the_help_through_htmx(cast_a, school_people, client_for):
    response = client_for(cast_a.teacher).get(reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}))
    html = response.content.decode()
    assert f'hx-post="{new_signal_url(cast_a.school)}"' in html
    assert 'hx-target="#id_description_writing_help"' in html and 'id="id_description_writing_help"' in html
    assert 'hx-target="#id_situation_writing_help"' in html
    assert 'aria-describedby="id_description_helptext id_description_writing_help"' in html


def test_the_query_count_does_not_grow_with_the_school(cast_a, school_people, client_for, django_assert_num_queries):
    client = client_for(cast_a.teacher)
    data = {"writing_help_field": "description", "description": TEXT}
    client.post(new_signal_url(cast_a.school), data)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.post(new_signal_url(cast_a.school), data)
    for _ in range(15):
        pupil = factories.PupilFactory(class_group=cast_a.group2)
        factories.GuardianFactory(pupil=pupil)
    with django_assert_num_queries(len(small.captured_queries)):
        client.post(new_signal_url(cast_a.school), data)


# --- After saving, without JavaScript ---------------------------------------------------------------------------


def test_a_new_signal_is_saved_and_the_hints_follow_as_warnings(cast_a, school_people, client_for):
    own, _other = school_people
    client = client_for(cast_a.teacher)
    response = client.post(
        reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}),
        {"pupil": own.pk, "route": "A", **signal_form_data(description=TEXT, situation="Ik denk in de pauze")},
        follow=True,
    )
    case = Case.objects.get(pupils=own)
    signal = Signal.objects.get(case=case)
    assert signal.description == TEXT  # saved as written: never a refusal
    # The quick signal goes on to the signal list; the warnings follow it there.
    assert response.redirect_chain[-1][0] == reverse(
        "cases:signal-details", kwargs={"pk": case.pk, "signal_id": signal.pk}
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 2  # description and situation
    description = next(w for w in warnings if "mishandeld" in w)
    for words in ("“Ik denk”", "“mishandeld”", "“Sem Wildervanck”", "S.W.", "“Femke Brandsma”", "F.B."):
        assert words in description
    assert "Noor Veldkamp" not in description and "Quinten" not in description


def test_a_factual_signal_gets_no_warnings(cast_a, school_people, client_for):
    own, _other = school_people
    client = client_for(cast_a.teacher)
    client.post(
        reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}),
        {"pupil": own.pk, "route": "A", **signal_form_data()},
    )
    response = client.get(reverse("cases:case-detail", kwargs={"pk": Case.objects.get(pupils=own).pk}))
    assert [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"] == []


def test_a_consultation_is_saved_and_the_hints_follow_as_warnings(cast_a, school_people, client_for):
    own, _other = school_people
    case = factories.open_case(cast_a.teacher, own)
    factories.advance(cast_a.teacher, case, "to_consulting")
    response = client_for(cast_a.ib).post(
        reverse("cases:consultation-add", kwargs={"pk": case.pk}),
        {
            "kind": "colleague",
            "held_on": "2026-11-03",
            "participants": "IB'er, leerkracht",
            "sharing": "internal",
            "question": "Hoe verder?",
            "advice": "Waarschijnlijk ADHD, zegt de IB'er niet. Sem Wildervanck speelt mee.",
            "acties-TOTAL_FORMS": "0",
            "acties-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert Consultation.objects.filter(case=case).count() == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.CONSULTING
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "“Waarschijnlijk”" in warnings[0] and "“ADHD”" in warnings[0] and "S.W." in warnings[0]
