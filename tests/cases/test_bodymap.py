"""The body map of a signal (issue 15, ``cases.bodymap``): marks stored as structured data on the signal, validated
with Dutch errors and the input kept, sealed in the chronology's chain, shown in the chronology, the parent extract
and the staff dossier; the form works without JavaScript."""

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone, translation

from cases import bodymap, chain, selectors
from cases.models import Case, Signal
from dossier import extract as extract_rules
from dossier import pdf, staff
from dossier import selectors as dossier_selectors
from tests import factories
from tests.cases.test_chain import behind_the_back, table
from tests.cases.test_record_rules import signal_form_data

BRUISE = {
    "region": "front.upper_arm_left",
    "kind": "bruise",
    "size": "ongeveer 3 cm",
    "colour": "blue_purple",
    "note": "",
}
BURN = {"region": "back.buttocks", "kind": "burn", "size": "", "colour": "red", "note": "rond, als van een sigaret"}


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


def rows(*marks, prefix="body_marks") -> dict:
    """Form data for the rows of the body map, as the form without JavaScript posts them."""
    data = {}
    for i, mark in enumerate(marks):
        for field, value in mark.items():
            data[f"{prefix}-{i}-{field}"] = value
    return data


# --- The data -------------------------------------------------------------------------------------------------------


def test_regions_front_and_back_with_dutch_names():
    assert {r.side for r in bodymap.REGIONS.values()} == {"front", "back"}
    assert len(bodymap.REGIONS) == 34
    assert bodymap.REGIONS["front.upper_arm_left"].name == "linkerbovenarm (voorkant)"
    assert bodymap.REGIONS["back.buttocks"].name == "billen (achterkant)"
    # Every region has a shape of its own on its side.
    for side in ("front", "back"):
        paths = [r.path for r in bodymap.REGIONS.values() if r.side == side]
        assert len(paths) == len(set(paths)) == 17


def test_clean_marks_drops_blank_rows_and_trims():
    value = [{"region": "", "kind": "", "size": "", "colour": "", "note": ""}, {**BRUISE, "size": "  3 cm "}]
    assert bodymap.clean_marks(value) == [{**BRUISE, "size": "3 cm"}]
    assert bodymap.clean_marks([]) == [] == bodymap.clean_marks(None)


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        ({"kind": "bruise"}, "Plek 1: kies waar op het lichaam het te zien was."),
        ({"region": "front.tail", "kind": "bruise"}, "Plek 1: kies een plek op het lichaam uit de lijst."),
        ({"region": "front.chest"}, "Plek 1: kies wat er te zien was."),
        ({"region": "front.chest", "kind": "tattoo"}, "Plek 1: kies uit de lijst wat er te zien was."),
        ({"region": "front.chest", "kind": "cut", "colour": "pink"}, "Plek 1: kies een kleur uit de lijst."),
        (
            {"region": "front.chest", "kind": "cut", "size": "x" * 41},
            "Plek 1: schrijf de grootte in hoogstens 40 tekens.",
        ),
        (
            {"region": "front.chest", "kind": "cut", "note": "x" * 301},
            "Plek 1: schrijf de notitie in hoogstens 300 tekens.",
        ),
    ],
)
def test_invalid_marks_are_refused_in_dutch(mark, message):
    with pytest.raises(ValidationError) as error:
        bodymap.clean_marks([mark])
    assert message in error.value.messages


def test_not_a_list_or_unknown_keys_cannot_be_read():
    for value in ({"region": "front.chest"}, ["front.chest"], [{**BRUISE, "name": "A.B."}]):
        with pytest.raises(ValidationError, match="kon niet worden gelezen"):
            bodymap.clean_marks(value)


def test_too_many_marks():
    with pytest.raises(ValidationError, match="hoogstens 10 plekken"):
        bodymap.clean_marks([BRUISE] * 11)


def test_the_model_validates_what_is_stored(cast_a):
    signal = factories.make_signal(body_marks=[{"region": "front.chest", "kind": "tattoo"}])
    with pytest.raises(ValidationError) as error:
        signal.clean_fields(exclude=["case", "author"])
    assert "body_marks" in error.value.message_dict


# --- The form, without JavaScript -----------------------------------------------------------------------------------


def test_the_form_stores_the_marks_without_javascript(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.ib)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk})
    page = client.get(url).content.decode()
    # Six rows of selects and inputs, in a fieldset; the outline is there for the script, hidden without it.
    assert len(re.findall(r'name="body_marks-\d+-region"', page)) == bodymap.MAX_MARKS
    assert len(re.findall(r'<li class="bodymap-row" data-bodymap-row="\d+">', page)) == bodymap.FORM_ROWS
    assert "data-bodymap-picture hidden" in page
    assert 'role="button"' in page and 'aria-label="linkerbovenarm (voorkant)"' in page

    data = signal_form_data(description="Twee plekken gezien.") | rows(BRUISE, {k: "" for k in bodymap.FIELDS}, BURN)
    response = client.post(url, data)
    assert response.status_code == 302
    signal = Signal.objects.get(case=case, description="Twee plekken gezien.")
    assert signal.body_marks == [BRUISE, BURN]


def test_a_wrong_mark_re_renders_the_form_with_the_input_kept(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.ib)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk})
    before = Signal.objects.filter(case=case).count()
    data = signal_form_data(description="Niet bewaard.") | rows(BRUISE, {"region": "back.buttocks", "size": "5 cm"})
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Plek 2: kies wat er te zien was." in page
    assert '<option value="back.buttocks" selected>' in page
    assert 'value="5 cm"' in page and 'value="ongeveer 3 cm"' in page
    assert '<details class="bodymap-details" open>' in page
    assert Signal.objects.filter(case=case).count() == before


def test_a_signal_without_marks_stores_an_empty_list(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.ib)
    response = client.post(reverse("cases:signal-add", kwargs={"pk": case.pk}), signal_form_data(description="Zonder."))
    assert response.status_code == 302
    assert Signal.objects.get(case=case, description="Zonder.").body_marks == []


def test_the_new_signal_form_offers_the_body_map(cast_a, client_for):
    page = client_for(cast_a.teacher).get(reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}))
    assert 'name="body_marks-0-region"' in page.content.decode()


# --- Sealed and shown -----------------------------------------------------------------------------------------------


def case_with_marks(cast):
    pupil = factories.PupilFactory(class_group=cast.group1, first_name="Noor", last_name="Veldkamp")
    case = factories.open_case(cast.teacher, pupil, body_marks=[BRUISE, BURN])
    return Case.objects.get(pk=case.pk)


def test_the_marks_are_sealed_in_the_chain(cast_a):
    case = case_with_marks(cast_a)
    signal = Signal.objects.get(case=case)
    (report,) = chain.verify([case.pk])
    assert report.ok
    behind_the_back(f"UPDATE {table(Signal)} SET body_marks = %s WHERE id = %s", ["[]", signal.pk])
    (report,) = chain.verify([case.pk])
    assert not report.ok and report.first.kind == chain.CHANGED


def test_shown_in_the_chronology(cast_a, client_for):
    case = case_with_marks(cast_a)
    page = client_for(cast_a.ib).get(reverse("cases:case-detail", kwargs={"pk": case.pk})).content.decode()
    assert "Lichaamskaart" in page
    assert "<strong>Linkerbovenarm (voorkant)</strong>: blauwe plek, ongeveer 3 cm, blauw of paars" in page
    assert "<strong>Billen (achterkant)</strong>: brandwond, rood. rond, als van een sigaret" in page
    svg = re.search(r'<svg class="bodymap-svg" [^>]*role="img" aria-label="([^"]+)"', page)
    assert svg and "genummerd zoals in de lijst" in svg.group(1)
    assert len(re.findall(r'class="bodymap-region is-marked"', page)) == 2


def test_shown_in_the_parent_extract(cast_a, client_for):
    case = case_with_marks(cast_a)
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    extract = extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )
    html = pdf.content_html(extract)
    assert "Lichaamskaart" in html
    assert "<strong>Linkerbovenarm (voorkant)</strong>: blauwe plek" in html
    assert "<strong>Billen (achterkant)</strong>: brandwond" in html
    preview = client_for(cast_a.af).get(reverse("dossier:extract-preview", kwargs={"pk": case.pk}))
    assert "Linkerbovenarm (voorkant)" in preview.content.decode()


def test_an_extract_of_a_signal_without_marks_renders_as_before(cast_a):
    """The content of version 3 is the same as before the body map for a signal without marks (a release made before
    it existed renders again to the same checksum): the template without the body map's addition renders the same."""
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.teacher, pupil)
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    extract = extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )
    html = pdf.content_html(extract)
    assert "Lichaamskaart" not in html
    source = (settings.BASE_DIR / "templates" / pdf.CONTENT_TEMPLATE).read_text()
    addition = re.search(r"\{% if e\.body_marks %\}.*?\{% endif %\}", source).group(0)
    before = Engine.get_default().from_string(source.replace(addition, ""))
    with translation.override("nl"):
        assert before.render(Context({"extract": extract, "no_can": {}})) == html


def test_in_the_staff_dossier(cast_a):
    case = case_with_marks(cast_a)
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    dossier = staff.build_staff_dossier(case, as_of=timezone.now())
    html = pdf.content_html(dossier, rules=pdf.STAFF_RULES)
    assert "<strong>Linkerbovenarm (voorkant)</strong>: blauwe plek" in html
