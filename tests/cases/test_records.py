"""The registry of record kinds (cases/records.py), checked kind by kind from the registry itself, so that a new kind
is covered without an edit here: every record with a case is a registered kind (or listed as not one, with the
reason); every kind shows in the chronology, loaded up front; every kind is in the parent extract or listed there
as left out, with the reason; and what the extract's rules leave out never shows, in the preview or in the PDF."""

import io
import re

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from cases import permissions as perms
from cases import records, selectors
from cases.models import Case, Signal
from cases.models.base import AppendOnlyModel
from dossier import extract as extract_rules
from dossier import pdf
from dossier import selectors as dossier_selectors
from schools.models import Guardian, Pupil, School, SocialMapEntry
from tests import factories
from tests.dossier.test_extract import release as release_extract
from tests.rows import make_row, marker
from tests.test_queries import lazy_loads_raise

SECTION_SLUGS = [slug for slug, _title in extract_rules.SECTIONS]
VARIANTS = [0, 1]  # tests.rows: the first or the last choice of every field; True or False


def case_with_every_kind(cast, variant: int = 0) -> tuple[Case, dict[str, object]]:
    """A case at school A (opened by the teacher: a signal and a step change) with one more row of every registered
    kind, each field filled with its ``marker`` (tests.rows)."""
    pupil = factories.PupilFactory(class_group=cast.group1)
    case = factories.open_case(cast.teacher, pupil)
    given = {
        Case: case,
        User: cast.ib,
        School: cast.school,
        Pupil: pupil,
        Guardian: factories.GuardianFactory(pupil=pupil),
        SocialMapEntry: make_row(SocialMapEntry, given={School: cast.school}),
    }
    rows = {kind.kind: make_row(kind.model, given=given, variant=variant) for kind in records.KINDS_IN_ORDER}
    return Case.objects.get(pk=case.pk), rows


def build(user, case) -> extract_rules.Extract:
    case = selectors.case_get_for_user(user=user, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)
    return extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=data.contact_persons
    )


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- The registry itself ------------------------------------------------------------------------------------------


def test_every_record_with_a_case_is_a_registered_kind_or_listed_as_not_one():
    with_case = {
        model
        for model in apps.get_models()
        if issubclass(model, AppendOnlyModel) and any(f.name == "case" for f in model._meta.concrete_fields)
    }
    registered = [kind.model for kind in records.KINDS_IN_ORDER]
    not_chronology = {apps.get_model(label) for label in records.NOT_CHRONOLOGY}
    assert len(registered) == len(set(registered)), "a model is registered twice"
    assert not set(registered) & not_chronology
    assert all(reason for reason in records.NOT_CHRONOLOGY.values())
    unaccounted = with_case - set(registered) - not_chronology
    assert not unaccounted, f"register these in cases/records.py (or list them in NOT_CHRONOLOGY): {unaccounted}"
    assert set(registered) <= with_case  # every kind is an append-only record of a case


@pytest.mark.parametrize("kind", records.KINDS_IN_ORDER, ids=lambda k: k.kind)
def test_every_kind_is_declared_consistently(kind):
    if kind.part_of:
        assert records.KINDS[kind.part_of].in_timeline
        assert kind.extract is None  # shown (and left out) as part of its item
    else:
        assert get_template(kind.template)
        assert kind.extract is not None, "decide what the parent extract does with this kind"
    if kind.extract is not None:
        spec = kind.extract
        assert spec.section in SECTION_SLUGS if spec.section else spec.leave_out, "a section, or left out"
        assert all(str(leave_out.reason) for leave_out in spec.leave_out)
        for name in spec.shows:
            try:
                kind.model._meta.get_field(name)
            except FieldDoesNotExist:
                assert hasattr(kind.model, name), f"{kind.kind} shows {name}: not an attribute of {kind.model}"
        for omit in spec.omits:
            assert str(omit.what) and str(omit.reason) and omit.fields
            for name in omit.fields:
                kind.model._meta.get_field(name)  # a field of the model
                assert omit.when is not records.always or name not in spec.shows, f"{name}: shown and left out"
    if kind.adding is not None:
        key = kind.adding.key or kind.kind
        assert reverse(f"cases:{key}-add", kwargs={"pk": 1}) == f"/dossiers/1/{kind.adding.path}"
        assert issubclass(kind.model, kind.adding.form_class._meta.model)


# --- The chronology -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_kind_shows_in_the_chronology_loaded_up_front(variant, cast_a, client_for):
    case, rows = case_with_every_kind(cast_a, variant)
    client = client_for(cast_a.af)
    client.get(f"/dossiers/{case.pk}/")  # warm the process-wide caches
    with lazy_loads_raise():  # a template that loads what its loader did not join or prefetch raises
        response = client.get(f"/dossiers/{case.pk}/?pagina=alle")
    assert response.status_code == 200
    timeline = response.context["timeline"]
    items = {(item.kind, item.entry.pk): html for item, html in zip(timeline.items, timeline.html, strict=True)}
    page = response.content.decode()
    for kind in records.KINDS_IN_ORDER:
        if kind.in_timeline:
            html = items[(kind.kind, rows[kind.kind].pk)]
            assert html.strip() and html in page, kind.kind
        else:  # a part of another kind's item shows there
            assert f"«{kind.model.__name__}." in items[(kind.part_of, getattr(rows[kind.kind], _part_of_field(kind)))]


def _part_of_field(kind) -> str:
    """The attribute of a part's row that holds the id of the item it is part of."""
    parent = records.KINDS[kind.part_of].model
    (fk,) = [f for f in kind.model._meta.concrete_fields if f.is_relation and f.related_model is parent]
    return fk.attname


# --- The parent extract -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_kind_is_in_the_extract_or_left_out_with_a_reason(variant, cast_a):
    case, rows = case_with_every_kind(cast_a, variant)

    extract = build(cast_a.af, case)

    assert len(extract.items) == len(selectors.case_timeline(case=case))
    items = {(item.kind, item.entry.pk): item for item in extract.items}
    in_sections = {id(item) for section in extract.sections for item in section.items}
    for kind in records.CHRONOLOGY:
        item = items[(kind.kind, rows[kind.kind].pk)]
        if item.included:
            assert item.section in SECTION_SLUGS and id(item) in in_sections, kind.kind
        else:
            assert str(item.reason), kind.kind
    # Both ways are taken for some kind: the rows are not all left out, nor all included.
    assert extract.included and extract.left_out


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_content_template_asks_only_for_what_each_kind_shows(variant, cast_a):
    """An entry reads as empty beyond what its kind shows (extract.Shown); the template must not depend on that
    for anything but the parts that are left out."""
    case, _rows = case_with_every_kind(cast_a, variant)
    extract = build(cast_a.af, case)

    pdf.content_html(extract)

    for item in extract.included:
        left_out = {name for omission in item.omissions for name in omission.fields}
        assert item.shown.refused <= left_out, (item.kind, item.shown.refused - left_out)


def omitted_markers(extract) -> dict[str, str]:
    """The marker of every text field that the rules leave out of an included entry, and of every text field of an
    entry left out entirely: none of them may show."""
    result = {}
    for item in extract.items:
        model = type(item.entry)
        if item.included:
            names = [name for omission in item.omissions for name in omission.fields]
        else:
            names = [f.name for f in model._meta.concrete_fields]
        for name in names:
            field = model._meta.get_field(name)
            if field.get_internal_type() in ("CharField", "TextField") and not field.choices:
                value = getattr(item.entry, name)
                if value == marker(model, name)[: field.max_length]:
                    result[value] = f"{item.key}.{name}"
    return result


@pytest.mark.parametrize("variant", VARIANTS)
def test_what_the_rules_leave_out_shows_neither_in_the_preview_nor_in_the_pdf(variant, cast_a, client_for):
    case, _rows = case_with_every_kind(cast_a, variant)
    extract = build(cast_a.af, case)
    absent = omitted_markers(extract)
    # Not vacuous: the rows hold text that is left out, in part and entirely, and text that is shown.
    assert any(item.omissions for item in extract.included) and extract.left_out
    assert len(absent) > 20
    client = client_for(cast_a.af)

    preview = client.get(reverse("dossier:extract-preview", kwargs={"pk": case.pk}))
    release = release_extract(client, case)  # released, rendered by the task queue's worker, downloaded

    assert preview.status_code == 200 and release.status_code == 200
    html = preview.content.decode()
    text = flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(release.content)).pages))
    shown = marker(Signal, "description")
    assert shown in html and flat(shown) in text  # what is shown, shows
    leaks = {where: value for value, where in absent.items() if value in html or flat(value) in text}
    assert not leaks


def test_a_kind_the_content_template_has_no_layout_for_shows_its_allowed_fields(cast_a, monkeypatch):
    """A new kind that the extract includes needs no template: its allowed fields show as label and value, and a
    part its rules leave out does not."""
    case, rows = case_with_every_kind(cast_a)
    board = rows["board"]
    new = records.RecordKind(
        "newkind",
        type(board),
        extract=records.InExtract(
            "route-b",
            shows=("informed_on", "how"),
            omits=(records.Omit("who at the board", "a reason", ("informed_whom",)),),
        ),
    )
    monkeypatch.setitem(records.KINDS, "newkind", new)
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    timeline = [selectors.TimelineItem("newkind", board.recorded_at, board)]

    extract = extract_rules.build_extract(case=case, timeline=timeline, redactions=[], contact_persons=[])
    html = pdf.content_html(extract)

    (item,) = extract.included
    assert item.section == "route-b" and [o.what for o in item.omissions] == ["who at the board"]
    assert "<dt>Hoe</dt><dd>«BoardNotification.how»</dd>" in html  # the field's name, in Dutch, and its value
    assert "«BoardNotification.informed_whom»" not in html


def test_a_kind_without_a_form_of_its_own_gets_one_made_for_its_model():
    """A kind that a case page adds needs no form class: one is made of the fields it names (an ``EntryForm``, with
    the date pickers and the length limit of every record's form)."""
    from cases import forms
    from cases.models import RiskAssessment

    kind = records.RecordKind(
        "made",
        RiskAssessment,
        adding=records.Adding("gemaakt/nieuw/", None, perms.WEIGH, "Made", fields=("risk_factors",)),
    )
    form = kind.adding.form_class()
    assert isinstance(form, forms.EntryForm)
    assert form._meta.model is RiskAssessment
    assert list(form.fields) == ["risk_factors", forms.SUBMISSION_FIELD]  # and the form's one-time token
