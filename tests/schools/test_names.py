"""The matcher of names in free text (schools/names.py): the names of the school's people — pupils, their parents,
carers and household, staff — and pupils' initials, in every way a Dutch school file writes them; what it must not
flag; the people it leaves out (the child a file is about and its family); and that it is fast enough for a school
of 500 pupils with 1,000 parents."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schools.names import Hit, Kind, NameIndex, Person, fold, initials_for, split_full_name
from tests import factories

P = Person
PEOPLE = [
    P(Kind.PUPIL, "Sem", "Wildervanck", 1),
    P(Kind.PUPIL, "Lotte", "Wildervanck", 2),
    P(Kind.PUPIL, "Daan", "van der Berg", 3),
    P(Kind.PUPIL, "José", "Bakker", 4),
    P(Kind.PUPIL, "Anaïs", "Roos", 5),
    P(Kind.PUPIL, "Thomas", "de Vries-Okafor", 6),
    P(Kind.GUARDIAN, "Karel", "Wildervanck", 1),
    P(Kind.GUARDIAN, "", "Oudejans", 4),  # "Mw. Oudejans": a surname only
    P(Kind.HOUSEHOLD, "Gijsbert", "Bakker", 4),
    P(Kind.STAFF, "Femke", "Brandsma", 90),
    P(Kind.STAFF, "Bas", "de Groot", 91),
]
OWN = [P(Kind.PUPIL, "Noor", "Veldkamp", 10), P(Kind.GUARDIAN, "Marieke", "Veldkamp", 10)]


@pytest.fixture(scope="module")
def index():
    return NameIndex(PEOPLE, exclude=OWN)


def found(index, text):
    return [h.text for h in index.find_names(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The reproduction of issue 18, finding 6.
        (
            "Sem Wildervanck vertelde dat Daan thuis wordt geslagen. Lotte Wildervanck hoorde het ook.",
            ["Sem Wildervanck", "Daan", "Lotte Wildervanck"],
        ),
        ("Op het plein, met S.W. en T.W. erbij.", ["S.W.", "T.W."]),
        # Accents, either way round.
        ("Jose Bakker en José Bakker en JOSE BAKKER", ["Jose Bakker", "José Bakker", "JOSE BAKKER"]),
        ("Anais en Anaïs", ["Anais", "Anaïs"]),
        # Tussenvoegsels.
        ("Daan van der Berg", ["Daan van der Berg"]),
        ("Van der Berg belde.", ["Van der Berg"]),
        ("v.d. Berg, vd Berg, van der berg", ["v.d. Berg", "vd Berg", "van der berg"]),
        ("Daan Berg", ["Daan Berg"]),
        ("D. van der Berg", ["D. van der Berg"]),
        # A double surname.
        ("Thomas de Vries-Okafor kwam later.", ["Thomas de Vries-Okafor"]),
        # Possessives.
        ("Sem's jas, Sems tas en Wildervancks fiets", ["Sem's", "Sems", "Wildervancks"]),
        ("Thomas' moeder", ["Thomas'"]),
        # Split over a line break or several spaces.
        ("met Sem\nWildervanck", ["Sem\nWildervanck"]),
        ("met Lotte    Wildervanck", ["Lotte    Wildervanck"]),
        # Case.
        ("sem wildervanck en SEM WILDERVANCK", ["sem wildervanck", "SEM WILDERVANCK"]),
        # Initials, in every spelling.
        ("S.W. en S. W. en S.W en SW", ["S.W.", "S. W.", "S.W", "SW"]),
        ("D.v.d.B. speelde mee", ["D.v.d.B."]),
        # Parents, carers, household, staff.
        ("Karel Wildervanck haalde hem op", ["Karel Wildervanck"]),
        ("Mw. Oudejans belde", ["Oudejans"]),
        ("Gijsbert Bakker is de oom", ["Gijsbert Bakker"]),
        ("Juf Femke en meester Bas", ["Femke", "Bas"]),
        ("mevrouw Brandsma, Femke Brandsma", ["Brandsma", "Femke Brandsma"]),
    ],
)
def test_it_finds_names_in_every_way_they_are_written(index, text, expected):
    assert found(index, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "De bakker op de hoek verkoopt rozen; een roos is rood.",  # common words, lower case
        "Hij klom op de berg.",
        "Femke zei het.",  # a staff first name without a title: too common to flag everywhere
        "Karel kwam.",  # a parent's first name alone: not flagged
        "Overleg met de IB'er en VT; de GGD en het MDO; N.B. en P.S.",  # abbreviations are not initials
        "b.v. d.w.z. i.p.v. o.a.",  # lower-case abbreviations are not initials
        "'s ochtends en 's middags",
        "Noor Veldkamp vertelde het aan Marieke Veldkamp. N.V. huilde.",  # the own child and its family
        "Lieve groeten van de klas",
    ],
)
def test_it_does_not_flag_common_words_abbreviations_or_the_own_family(index, text):
    assert found(index, text) == []


def test_a_name_that_is_a_common_word_is_flagged_when_capitalised(index):
    assert found(index, "Bakker en Roos waren er; de bakker niet.") == ["Bakker", "Roos"]


def test_a_hit_says_what_kind_of_person_and_who(index):
    (sem, karel, femke, initials) = index.find_names("Sem, Karel Wildervanck, juf Femke, S.W.")
    assert (sem.kind, sem.person_label) == ("pupil", "Sem Wildervanck")
    assert (karel.kind, karel.person_label) == ("guardian", "Karel Wildervanck")
    assert (femke.kind, femke.person_label) == ("staff", "Femke Brandsma")
    assert (initials.kind, initials.person_label) == ("initials", "Sem Wildervanck")
    wildervanck = index.find_names("Wildervanck")[0]
    assert wildervanck.kind == "pupil"  # a pupil and a parent share it: the pupil counts
    assert wildervanck.person_label == "Karel Wildervanck, Lotte Wildervanck, Sem Wildervanck"


def test_a_surname_of_the_own_family_is_not_flagged_alone_but_another_persons_full_name_is():
    index = NameIndex([P(Kind.PUPIL, "Sem", "Veldkamp", 1)], exclude=[P(Kind.PUPIL, "Noor", "Veldkamp", 10)])
    assert found(index, "Veldkamp belde; Sem Veldkamp ook.") == ["Sem Veldkamp"]


def test_initials_shared_with_the_own_child_are_not_flagged():
    index = NameIndex([P(Kind.PUPIL, "Nina", "Vos", 1)], exclude=[P(Kind.PUPIL, "Noor", "Veldkamp", 10)])
    assert found(index, "N.V. en NV") == []


def test_undotted_capitals_are_initials_only_when_a_pupil_has_them(index):
    assert found(index, "SW en XQ") == ["SW"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A word hyphenated over a line break (text pasted from a letter or a PDF).
        ("Sem Wilder-\nvanck zat ernaast", ["Sem Wilder-\nvanck"]),
        ("Wilder- \n vanck belde", ["Wilder- \n vanck"]),
        # ... but a double surname's second part keeps its capital and still matches over a line break.
        ("Thomas de Vries-\nOkafor", ["Thomas de Vries-\nOkafor"]),
        # Accents typed as a letter with a combining mark (decomposed), and accents on a name that has none.
        ("Anai\u0308s Roos", ["Anai\u0308s Roos"]),
        ("Jösé Bäkker", ["Jösé Bäkker"]),
        # "v/d" for "van de(r)", and a tussenvoegsel in capitals.
        ("Daan v/d Berg", ["Daan v/d Berg"]),
        ("Daan Van Der Berg", ["Daan Van Der Berg"]),
        # Possessives of a full name, in capitals, with a typographic apostrophe.
        ("Daan van der Berg's jas", ["Daan van der Berg's"]),
        ("SEM'S jas en Sem’s tas", ["SEM'S", "Sem’s"]),
        ("Lotte Wildervancks fiets", ["Lotte Wildervancks"]),
        # A name over a line break with a tussenvoegsel on either line.
        ("Daan van\nder Berg", ["Daan van\nder Berg"]),
    ],
)
def test_it_finds_names_written_over_line_breaks_with_accents_tussenvoegsels_and_possessives(index, text, expected):
    assert found(index, text) == expected


def test_a_possessive_at_the_very_end_stays_inside_the_text(index):
    (hit,) = index.find_names("de jas van Sem'")
    assert hit.text == "Sem" and hit.end <= len("de jas van Sem'")


def test_a_hyphen_before_a_line_break_does_not_join_unrelated_words(index):
    assert found(index, "Sem-\nWildervanck") == ["Sem-\nWildervanck"]  # a capital: two words of one name
    assert found(index, "boter-\nham") == []


@pytest.mark.parametrize(
    ("written", "initials"),
    [
        ("Sem Wildervanck", "S.W."),
        ("Sem\nWildervanck", "S.W."),
        ("Sem Wilder-\nvanck", "S.W."),
        ("SEM WILDERVANCK", "S.W."),
        ("Daan van der Berg", "D.v.d.B."),
        ("Daan v.d. Berg", "D.v.d.B."),
        ("Daan vd Berg", "D.v.d.B."),
        ("Daan v/d Berg", "D.v.d.B."),
        ("D. van der Berg's", "D.v.d.B."),
        ("Thomas de Vries-Okafor", "T.d.V.O."),
        ("José Bakker", "J.B."),
        ("Anai\u0308s Roos", "A.R."),
        ("Ørjan Ødegaard", "O.O."),
        ("Karel Wildervanck’s", "K.W."),
        ("juf Femke Brandsma", "F.B."),
        # Not a first name with a surname: the matcher does not know (and does not tell) the rest.
        ("Sem", ""),
        ("Sem's", ""),
        ("Wildervanck", ""),
        ("Van der Berg", ""),
        ("v.d. Berg", ""),
        ("vd Berg", ""),
    ],
)
def test_initials_for_a_name_as_written(written, initials):
    assert initials_for(written) == initials


def test_initials_for_every_full_name_hit_are_accepted_by_the_initials_fields(index):
    from cases.models.entries import validate_initials

    text = "Sem Wildervanck, Daan van der Berg, José Bakker, Thomas de Vries-Okafor, Karel Wildervanck, Femke Brandsma"
    suggested = [initials_for(hit.text) for hit in index.find_names(text)]
    assert suggested == ["S.W.", "D.v.d.B.", "J.B.", "T.d.V.O.", "K.W.", "F.B."]
    validate_initials(", ".join(suggested))  # raises if the form would refuse them


def test_split_full_name():
    assert split_full_name("Karel van der Berg") == ("Karel", "van der Berg")
    assert split_full_name("Mw. A. de Vries") == ("", "de Vries")
    assert split_full_name("Karel Wildervanck") == ("Karel", "Wildervanck")
    assert split_full_name("Oudejans") == ("", "Oudejans")


def test_fold():
    assert fold("Anaïs José ØSTERGAARD") == "anais jose ostergaard"


# --- Properties -------------------------------------------------------------------------------------------------

FILLER = st.lists(
    st.sampled_from(["de", "het", "kind", "zei", "dat", "op", "school", "thuis", "moeder", "was", "boos", "plein"]),
    max_size=8,
).map(" ".join)
SEPARATORS = st.sampled_from([" ", "  ", "\n", " \n ", "\t"])
NAMES = st.sampled_from(
    [("Sem", "Wildervanck"), ("Lotte", "Wildervanck"), ("Daan", "van der Berg"), ("José", "Bakker")]
)


def _vary_case(text: str, data) -> str:
    return "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in text)


@settings(max_examples=150, deadline=None)
@given(before=FILLER, after=FILLER, name=NAMES, sep=SEPARATORS, data=st.data())
def test_a_full_name_is_found_wherever_it_stands_however_it_is_spaced_or_cased(before, after, name, sep, data):
    index = NameIndex(PEOPLE, exclude=OWN)
    first, last = name
    written = _vary_case(first, data) + sep + sep.join(_vary_case(w, data) for w in last.split())
    text = f"{before} {written} {after}".strip()

    hits = index.find_names(text)

    start = text.index(written)
    assert Hit(start, start + len(written), written, "pupil", hits[0].person_label) in hits


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=200))
def test_hits_are_sorted_do_not_overlap_and_are_the_text_they_point_to(text):
    index = NameIndex(PEOPLE, exclude=OWN)

    hits = index.find_names(text)

    for hit in hits:
        assert text[hit.start : hit.end] == hit.text and hit.start < hit.end
    for a, b in zip(hits, hits[1:], strict=False):
        assert a.end <= b.start


@settings(max_examples=100, deadline=None)
@given(text=FILLER)
def test_text_without_names_has_no_hits(text):
    assert NameIndex(PEOPLE, exclude=OWN).find_names(text) == []


# --- From the database, and fast enough -----------------------------------------------------------------------


def test_the_index_of_a_school_is_built_in_one_query(cast_a, django_assert_num_queries):
    own = factories.PupilFactory(class_group=cast_a.group1, first_name="Noor", last_name="Veldkamp")
    factories.GuardianFactory(pupil=own, name="Marieke Veldkamp")
    factories.HouseholdMemberFactory(pupil=own, name="Pepijn Veldkamp")
    other = factories.PupilFactory(class_group=cast_a.group2, first_name="Sem", last_name="Wildervanck")
    factories.GuardianFactory(pupil=other, name="Karel Wildervanck")
    factories.HouseholdMemberFactory(pupil=other, name="Yara Wildervanck")
    elsewhere = factories.PupilFactory(first_name="Quinten", last_name="Elders")  # another school
    cast_a.teacher.first_name, cast_a.teacher.last_name = "Femke", "Brandsma"
    cast_a.teacher.save()

    with django_assert_num_queries(1):
        index = NameIndex.for_school(cast_a.school, exclude_pupils=[own])

    text = (
        "Noor, Marieke Veldkamp en Pepijn Veldkamp; Sem Wildervanck, Karel Wildervanck, Yara Wildervanck; "
        "Femke Brandsma; Quinten Elders."
    )
    assert [(h.text, h.kind) for h in index.find_names(text)] == [
        ("Sem Wildervanck", "pupil"),
        ("Karel Wildervanck", "guardian"),
        ("Yara Wildervanck", "household"),
        ("Femke Brandsma", "staff"),
    ]
    assert elsewhere.school != cast_a.school


def test_a_school_of_500_pupils_and_1000_parents_is_fast():
    first = ["Sem", "Lotte", "Daan", "Noor", "Bram", "Julia", "Finn", "Tess", "Liam", "Saar"]
    last = ["Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Hoekstra"]
    people = []
    for i in range(500):
        people.append(P(Kind.PUPIL, first[i % 10], f"{last[i // 10 % 10]}{i}", i))
        people.append(P(Kind.GUARDIAN, f"Ouder{i}a", f"{last[i % 10]}{i}", i))
        people.append(P(Kind.GUARDIAN, f"Ouder{i}b", f"{last[(i + 3) % 10]}{i}", i))
    text = "Sem Jansen7 vertelde dat Daan thuis wordt geslagen. Lotte de Vries12 hoorde het ook. " * 40

    started = time.perf_counter()
    index = NameIndex(people)
    built = time.perf_counter() - started
    started = time.perf_counter()
    hits = index.find_names(text)
    searched = time.perf_counter() - started

    assert len(hits) >= 80
    assert built < 1.0 and searched < 0.5, (built, searched)
