"""Names of other people in the free text of the parent extract (issue 18, finding 6): the preview flags every name of
another pupil, parent, carer or member of staff (and the initials of other pupils), proposes to leave just those words
out, and the aandachtsfunctionaris confirms each proposal or keeps the words with a reason; the PDF applies the
confirmed ones, and the extract is not released while a hit is undecided. The PDF is read back with pypdf."""

import io
import re

import pytest
from django.contrib.messages import get_messages
from django.db import models
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import User
from cases import records
from cases.models import AuditEvent, Case, Consultation, ConsultationAction, HelpPlan, HelpTask, Signal, TaskDone
from dossier.models import ExtractRelease, Redaction
from schools.models import Guardian, Pupil, School, SocialMapEntry
from tests import factories
from tests.rows import make_row

REPRODUCTION = "Sem Wildervanck vertelde dat Daan thuis wordt geslagen. Lotte Wildervanck hoorde het ook."
SITUATION = "Op het plein, met S.W. en T.W. erbij."
PLACEHOLDER = "[naam weggelaten]"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def daan(cast_a):
    """The pupil the case is about, with his parents; and two other pupils of the school with their parents."""
    pupil = factories.PupilFactory(class_group=cast_a.group1, first_name="Daan", last_name="Hoogeveen")
    factories.GuardianFactory(pupil=pupil, name="Marieke Hoogeveen")
    for first in ("Sem", "Lotte", "Thijs"):
        other = factories.PupilFactory(class_group=cast_a.group2, first_name=first, last_name="Wildervanck")
        factories.GuardianFactory(pupil=other, name="Karel Wildervanck")
    return pupil


def reproduction_case(cast, pupil):
    case = factories.open_case(cast.teacher, pupil, description=REPRODUCTION, situation=SITUATION)
    return Case.objects.get(pk=case.pk)


def preview(client, case):
    response = client.get(reverse("dossier:extract-preview", kwargs={"pk": case.pk}))
    assert response.status_code == 200
    return response


def release(client, case):
    """Ask for the release: refused (a redirect back to the preview), or the job stored and enqueued."""
    from tests.dossier.test_extract import recipient_data

    return client.post(reverse("dossier:extract-release", kwargs={"pk": case.pk}), recipient_data(case))


def released_pdf(client, case):
    """Release as a user does, through the task queue's worker; the download's response."""
    from tests.dossier.test_extract import release as release_through_the_worker

    return release_through_the_worker(client, case)


def decide(client, case, data):
    return client.post(reverse("dossier:extract-names", kwargs={"pk": case.pk}), data)


def test_finding_6_the_preview_flags_other_pupils_names_and_initials(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)

    response = preview(client_for(cast_a.af), case)

    found = {(h.field, h.hit.text) for h in response.context["names"].hits}
    assert found == {
        ("description", "Sem Wildervanck"),
        ("description", "Lotte Wildervanck"),
        ("situation", "S.W."),
        ("situation", "T.W."),
    }  # "Daan" is the child the file is about: not flagged
    html = response.content.decode()
    assert "<mark>Sem Wildervanck</mark>" in html
    assert PLACEHOLDER in html


def test_finding_6_the_release_is_refused_while_a_hit_is_undecided(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)
    client = client_for(cast_a.af)

    response = release(client, case)

    assert response.status_code == 302
    assert response.url == reverse("dossier:extract-preview", kwargs={"pk": case.pk})
    message = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "namen" in message and "4" in message  # Dutch, with the number of undecided hits
    assert not ExtractRelease.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    assert Case.objects.get(pk=case.pk).state == case.state


def test_finding_6_confirming_all_proposals_leaves_the_names_out_of_the_pdf(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)
    client = client_for(cast_a.af)

    assert decide(client, case, {"all": "1"}).status_code == 302
    text = pdf_text(released_pdf(client, case).content)

    assert "Wildervanck" not in text
    for absent in ("S.W.", "T.W."):
        assert absent not in flat(text)
    assert flat(f"{PLACEHOLDER} vertelde dat Daan thuis wordt geslagen. {PLACEHOLDER} hoorde het ook.") in flat(text)
    redactions = Redaction.objects.filter(case=case).exclude(field="")
    assert redactions.count() == 4 and not any(r.kept for r in redactions)
    assert {r.approved_by for r in redactions} == {cast_a.af}
    assert AuditEvent.objects.filter(case=case, target__startswith="names in the extract").exists()


def test_a_hit_kept_with_a_reason_stays_in_the_pdf_and_the_reason_is_recorded(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)
    client = client_for(cast_a.af)
    hits = preview(client, case).context["names"].hits
    sem = next(h for h in hits if h.hit.text == "Sem Wildervanck")
    data = {f"decision-{h.key}": "redact" for h in hits}
    data[f"decision-{sem.key}"] = "keep"
    data[f"reason-{sem.key}"] = "Sem is de broer; de ouders weten dit al."

    assert decide(client, case, data).status_code == 302
    text = pdf_text(released_pdf(client, case).content)

    assert "Sem Wildervanck" in text
    assert "Lotte" not in text
    kept = Redaction.objects.get(case=case, kept=True)
    assert (kept.text, kept.reason) == ("Sem Wildervanck", "Sem is de broer; de ouders weten dit al.")


def test_keeping_a_hit_without_a_reason_is_refused_and_nothing_is_stored(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)
    client = client_for(cast_a.af)
    hits = preview(client, case).context["names"].hits
    data = {f"decision-{h.key}": "redact" for h in hits}
    data[f"decision-{hits[0].key}"] = "keep"

    response = decide(client, case, data)

    assert response.status_code == 400
    assert "Geef de reden" in response.content.decode()
    assert 'value="keep" checked' in response.content.decode()  # the user's input is kept
    assert not Redaction.objects.exists()


def test_the_ib_sees_the_hits_but_cannot_decide(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)
    client = client_for(cast_a.ib)

    assert len(preview(client, case).context["names"].hits) == 4
    assert decide(client, case, {"all": "1"}).status_code == 403
    assert not Redaction.objects.exists()


def test_staff_and_parents_names_are_flagged_but_the_childs_own_parents_are_not(cast_a, daan, client_for):
    cast_a.teacher.first_name, cast_a.teacher.last_name = "Femke", "Brandsma"
    cast_a.teacher.save()
    text = "Juf Femke sprak met Marieke Hoogeveen en met Karel Wildervanck; mevrouw Brandsma was erbij."
    case = factories.open_case(cast_a.teacher, daan, description=text)

    hits = preview(client_for(cast_a.af), case).context["names"].hits

    assert {(h.hit.text, h.hit.kind) for h in hits} == {
        ("Femke", "staff"),
        ("Karel Wildervanck", "guardian"),
        ("Brandsma", "staff"),
    }


# --- Every free-text field of every kind that enters the extract (table-driven over the registry) -----------------

NAMED = "Sem Wildervanck, Karel Wildervanck, juf Femke en S.W. waren erbij."
NAMES_IN_NAMED = ["Sem Wildervanck", "Karel Wildervanck", "Femke", "S.W."]


def _texts(model) -> dict:
    """Every text field of ``model`` (not only those the extract shows: what it leaves out must not show either) that
    can hold the sentence: PostgreSQL refuses a longer value where SQLite stores it (a transition's ``name``, 40
    characters, is the transition's identifier, not free text)."""
    return {
        f.name: NAMED
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and not f.primary_key
        and (f.max_length is None or f.max_length >= len(NAMED))
    }


def case_naming_others_everywhere(cast, pupil):
    """A case about ``pupil`` with a row of every registered kind, and of every record shown as part of one (a
    consultation's action, a help plan's task), each text naming another pupil, another pupil's parent, a member of
    staff and another pupil's initials."""
    case = factories.open_case(cast.teacher, pupil)
    given = {
        Case: case,
        User: cast.ib,
        School: cast.school,
        Pupil: pupil,
        Guardian: pupil.guardians.first(),
        SocialMapEntry: make_row(SocialMapEntry, given={School: cast.school}),
    }
    rows = {}
    for kind in records.KINDS_IN_ORDER:
        values = _texts(kind.model)
        if kind.model is TaskDone:
            task = make_row(HelpTask, given={**given, HelpPlan: rows["helpplan"]}, **_texts(HelpTask))
            action = make_row(
                ConsultationAction, given={**given, Consultation: rows["consultation"]}, **_texts(ConsultationAction)
            )
            make_row(TaskDone, given=given, help_task=None, consultation_action=action, **values)
            values["help_task"] = task
        rows[kind.kind] = make_row(kind.model, given=given, **values)
        given[kind.model] = rows[kind.kind]
    return Case.objects.get(pk=case.pk)


def test_every_free_text_of_every_kind_is_checked_and_no_name_reaches_the_pdf(cast_a, daan, client_for):
    from dossier import names_check

    cast_a.teacher.first_name, cast_a.teacher.last_name = "Femke", "Brandsma"
    cast_a.teacher.save()
    case = case_naming_others_everywhere(cast_a, daan)
    client = client_for(cast_a.af)

    hits = preview(client, case).context["names"].hits

    # Every text the extract shows, of every kind it includes, and of the records shown as part of one, was checked.
    checked = {(h.item.kind, h.field.split(":")[0]) for h in hits}
    for kind in records.CHRONOLOGY:
        for name in names_check.free_text_fields(kind):
            extract_item = next((h.item for h in hits if h.item.kind == kind.kind), None)
            if extract_item is not None and extract_item.shown.allows(name):
                assert (kind.kind, name) in checked, (kind.kind, name)
    parts = {("consultation", "actions"), ("helpplan", "tasks"), ("signal", "follow_ups"), ("taskdone", "help_task")}
    assert parts <= checked  # the texts of records shown as part of an entry
    texts_checked = {(h.item.key, h.field) for h in hits}
    for item_key, field in texts_checked:
        found_here = [h.hit.text for h in hits if (h.item.key, h.field) == (item_key, field)]
        assert found_here == NAMES_IN_NAMED, (item_key, field, found_here)
    assert len(texts_checked) > 30  # not vacuous
    # One hit kept with a reason: in the parents' own view (they wrote it themselves).
    view = next(h for h in hits if h.item.kind == "parentview" and h.field == "text" and h.hit.text == "Femke")
    data = {"all": "1", f"decision-{view.key}": "keep", f"reason-{view.key}": "De ouders schreven dit zelf."}

    assert decide(client, case, data).status_code == 302
    response = released_pdf(client, case)

    text = flat(pdf_text(response.content))
    assert "Wildervanck" not in text
    assert "S.W." not in text
    assert text.count("Femke") == 1  # only the one kept with a reason
    assert text.count(flat(PLACEHOLDER)) > 3 * len(texts_checked)  # the names are left out, the texts remain


def test_an_entry_with_a_name_left_out_can_still_be_left_out_entirely(cast_a, daan, client_for):
    case = reproduction_case(cast_a, daan)
    client = client_for(cast_a.af)
    decide(client, case, {"all": "1"})
    signal = Signal.objects.get(case=case)

    response = client.post(
        reverse("dossier:extract-redact", kwargs={"pk": case.pk}),
        {"entry": f"signal:{signal.pk}", "reason": "Noemt het adres van de opvang."},
    )

    assert response.status_code == 302
    whole = Redaction.objects.get(case=case, field="")
    assert whole.key == f"signal:{signal.pk}"
    left_out = {item.key for item in preview(client, case).context["extract"].left_out}
    assert whole.key in left_out
    assert preview(client, case).context["names"].hits == []  # an entry left out has no texts in the extract


def test_a_body_map_note_naming_another_pupil_is_flagged_and_left_out_of_the_pdf(cast_a, daan, client_for):
    """The body map's notes (issue 15) are free text like any other: a name found there is proposed for leaving out,
    blocks the release until decided, and is replaced in the extract while the place itself stays."""
    marks = [
        {"region": "front.head", "kind": "bruise", "size": "2 cm", "colour": "blue_purple", "note": ""},
        {"region": "back.buttocks", "kind": "scratch", "size": "", "colour": "", "note": "Sem Wildervanck zag het."},
    ]
    case = factories.open_case(cast_a.teacher, daan, description="Plekken gezien bij het omkleden.", body_marks=marks)
    client = client_for(cast_a.af)

    response = preview(client, case)
    hits = [(h.field, h.hit.text) for h in response.context["names"].hits]
    assert hits == [("body_marks:1:note", "Sem Wildervanck")]
    assert "(plek 2)" in response.context["names"].hits[0].field_label
    assert release(client, case).status_code == 302 and not ExtractRelease.objects.exists()

    assert decide(client, case, {"all": "1"}).status_code == 302
    text = flat(pdf_text(released_pdf(client, case).content))
    assert "Wildervanck" not in text
    assert flat(f"{PLACEHOLDER} zag het.") in text
    assert Signal.objects.get(case=case).body_marks == marks  # the record itself is never changed
