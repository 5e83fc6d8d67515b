"""A case that moves with its pupil to another school (issue 19): within the board the case follows the pupil
(requested by the old school's aandachtsfunctionaris, accepted by the new school's), outside the board the staff
dossier travels encrypted with a one-time password that is stored nowhere."""

import datetime
import hashlib
import io
import logging

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.urls import reverse
from pypdf import PdfReader

from cases import selectors
from cases.models import AuditEvent, Case, CaseTransfer, TransferRecord
from dossier import transfer as transfer_services
from dossier.models import EncryptedCopy, StaffDossierJob, StaffDossierRelease
from schools.models import Guardian, Pupil
from tests import factories
from tests.conftest import CAST_ROLES, make_school_cast
from tests.tasks import run_worker, sent_mail

INFORMED = datetime.date(2026, 11, 20)


def chronology(case: Case) -> dict:
    """Every record of the case's chronology: (kind, id) → a checksum of all its fields."""
    result = {}
    for item in selectors.case_timeline(case=case):
        fields = model_to_dict(item.entry)
        fields = {k: v for k, v in fields.items() if k != "case"}
        result[(item.kind, item.entry.pk)] = hashlib.sha256(repr(sorted(fields.items())).encode()).hexdigest()
    return result


def answers(client_for, cast, case) -> dict[str, int]:
    url = reverse("cases:case-detail", kwargs={"pk": case.pk})
    return {role: client_for(cast.by_role(role)).get(url).status_code for role in CAST_ROLES}


def request_within(client, case, to_school, **extra):
    data = {"kind": "within", "to_school": to_school.pk, "parents_informed_on": INFORMED.isoformat(), **extra}
    return client.post(reverse("dossier:transfer-request", kwargs={"pk": case.pk}), data)


@pytest.fixture
def moving(cast_a, cast_b):
    """A case in step 2 at school A about a pupil of group 1, with a parent; the pupil is at school B already (the
    pupil import of B brought the record, in B's group 1)."""
    case = factories.case_in_state(cast_a, "consulting")
    old = case.pupils.get()
    factories.GuardianFactory(pupil=old, name="Moeder Visser", relation="mother")
    new = factories.PupilFactory(
        school=cast_b.school,
        class_group=cast_b.group1,
        first_name=old.first_name,
        last_name=old.last_name,
        date_of_birth=old.date_of_birth,
    )
    return Case.objects.get(pk=case.pk), old, new


def test_within_the_board_the_case_follows_the_pupil(cast_a, cast_b, client_for, moving):
    case, old_pupil, new_pupil = moving
    before = chronology(case)
    assert answers(client_for, cast_a, case) == {
        "teacher": 200,
        "other_teacher": 404,
        "contact_person": 404,
        "ib": 200,
        "af": 200,
    }
    assert set(answers(client_for, cast_b, case).values()) == {404}

    response = request_within(client_for(cast_a.af), case, cast_b.school)
    assert response.status_code == 302
    moved = CaseTransfer.objects.get(case=case)
    assert (moved.state, moved.from_school, moved.to_school, moved.requested_by) == (
        "requested",
        cast_a.school,
        cast_b.school,
        cast_a.af,
    )
    # Until it is accepted nothing moves.
    assert answers(client_for, cast_a, case)["af"] == 200
    assert set(answers(client_for, cast_b, case).values()) == {404}

    # The new school's aandachtsfunctionaris sees it waiting (their start page leads to the school's transfers),
    # and accepts it with the pupil of the import.
    client_b = client_for(cast_b.af)
    transfers_url = reverse("dossier:school-transfers", kwargs={"school_id": cast_b.school.pk})
    start = client_b.get(reverse("start", kwargs={"school_id": cast_b.school.pk, "role": "af"}))
    assert f'href="{transfers_url}"' in start.content.decode()
    page = client_b.get(transfers_url)
    assert list(page.context["incoming"]) == [moved]
    url = reverse("dossier:transfer-decide", kwargs={"transfer_pk": moved.pk})
    assert client_b.get(url).status_code == 200
    response = client_b.post(url, {"decision": "accept", f"pupil-{old_pupil.pk}": str(new_pupil.pk)})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == reverse("cases:case-detail", kwargs={"pk": case.pk})

    case = Case.objects.get(pk=case.pk)
    assert (case.school, case.reference, case.owner) == (cast_b.school, moved.reference_before, cast_b.af)
    assert list(case.pupils.all()) == [new_pupil]
    # Access follows at once: the old school's staff 404; the new school's roles as for any case of theirs (the
    # teacher of the pupil's new group sees it).
    assert set(answers(client_for, cast_a, case).values()) == {404}
    assert answers(client_for, cast_b, case) == {
        "teacher": 200,
        "other_teacher": 404,
        "contact_person": 404,
        "ib": 200,
        "af": 200,
    }
    # The chronology is intact: the same records with the same contents, plus the record of the transfer.
    after = chronology(case)
    record = TransferRecord.objects.get(case=case)
    assert set(after) - set(before) == {("transfer", record.pk)}
    assert {key: after[key] for key in before} == before
    assert (record.to_school_name, record.from_school_name, record.parents_informed_on) == (
        cast_b.school.name,
        cast_a.school.name,
        INFORMED,
    )
    # Audited on both sides.
    for action in (AuditEvent.Action.TRANSFER_REQUESTED, AuditEvent.Action.TRANSFER_ACCEPTED):
        schools = set(AuditEvent.objects.filter(case=case, action=action).values_list("school_id", flat=True))
        assert schools == {cast_a.school.pk, cast_b.school.pk}, action
    # The old school keeps the record that it was transferred, when and to whom — without the case's content.
    page = client_for(cast_a.af).get(reverse("dossier:school-transfers", kwargs={"school_id": cast_a.school.pk}))
    html = page.content.decode()
    assert page.status_code == 200 and list(page.context["transfers"]) == [moved]
    assert f"overgedragen aan {cast_b.school.name}" in html
    assert "Blauwe plek" not in html
    # The new school's AF can release the staff dossier of the case now; the old one cannot.
    assert client_b.get(reverse("dossier:staff-preview", kwargs={"pk": case.pk})).status_code == 200
    assert client_for(cast_a.af).get(reverse("dossier:staff-preview", kwargs={"pk": case.pk})).status_code == 404


def test_accepting_takes_the_pupil_record_over_by_hand(cast_a, cast_b, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    old = case.pupils.get()
    factories.GuardianFactory(pupil=old, name="Vader Visser", relation="father", has_parental_authority=True)
    moved = transfer_services.transfer_request(
        user=cast_a.af, case=case, to_school=cast_b.school, parents_not_informed_reason="Vader is onbereikbaar."
    )
    url = reverse("dossier:transfer-decide", kwargs={"transfer_pk": moved.pk})
    client = client_for(cast_b.af)
    # Taking the record over needs the pupil's number at the new school: a Dutch error, the choice kept.
    response = client.post(url, {"decision": "accept", f"pupil-{old.pk}": "copy"})
    assert response.status_code == 200
    assert "Vul het leerlingnummer bij uw school in." in response.content.decode()
    assert CaseTransfer.objects.get(pk=moved.pk).state == "requested"
    response = client.post(url, {"decision": "accept", f"pupil-{old.pk}": "copy", f"number-{old.pk}": "B-7001"})
    assert response.status_code == 302
    new = Pupil.objects.get(school=cast_b.school, pupil_system_id="B-7001")
    assert (new.first_name, new.last_name, new.date_of_birth) == (old.first_name, old.last_name, old.date_of_birth)
    assert list(Guardian.objects.filter(pupil=new).values_list("name", "has_parental_authority")) == [
        ("Vader Visser", True)
    ]
    assert list(Case.objects.get(pk=case.pk).pupils.all()) == [new]
    assert TransferRecord.objects.get(case=case).parents_not_informed_reason == "Vader is onbereikbaar."


def test_a_case_number_the_new_school_already_used_gets_the_old_schools_brin(cast_a, cast_b, client_for, moving):
    case, old_pupil, new_pupil = moving
    other = factories.case_in_state(cast_b, "signalling")
    assert other.reference == case.reference  # both schools' first case of the year
    moved = transfer_services.transfer_request(
        user=cast_a.af, case=case, to_school=cast_b.school, parents_informed_on=INFORMED
    )
    transfer_services.transfer_accept(user=cast_b.af, transfer=moved, pupils={old_pupil.pk: (str(new_pupil.pk), "")})
    case = Case.objects.get(pk=case.pk)
    assert case.reference == f"{moved.reference_before}-{cast_a.school.brin}"
    assert CaseTransfer.objects.get(pk=moved.pk).reference_after == case.reference


def test_refused_paths_say_why_in_dutch(cast_a, cast_b, client_for, moving):
    case, old_pupil, new_pupil = moving
    client = client_for(cast_a.af)
    # Not the same board: the school is not offered, and the service refuses it.
    elsewhere = make_school_cast("C")
    response = request_within(client, case, elsewhere.school)
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    with pytest.raises(Exception, match="niet onder hetzelfde bestuur"):
        transfer_services.transfer_request(
            user=cast_a.af, case=case, to_school=elsewhere.school, parents_informed_on=INFORMED
        )
    # The parents informed, or why not: required.
    response = client.post(
        reverse("dossier:transfer-request", kwargs={"pk": case.pk}), {"kind": "within", "to_school": cast_b.school.pk}
    )
    assert response.status_code == 200
    assert "Vul in wanneer de ouders over de overdracht zijn geïnformeerd, of waarom niet." in response.content.decode()
    # Not the aandachtsfunctionaris: 403; another school: 404.
    for role in ("teacher", "ib"):
        assert request_within(client_for(cast_a.by_role(role)), case, cast_b.school).status_code == 403
    assert request_within(client_for(cast_b.af), case, cast_b.school).status_code == 404
    assert not CaseTransfer.objects.exists()

    moved = transfer_services.transfer_request(
        user=cast_a.af, case=case, to_school=cast_b.school, parents_informed_on=INFORMED
    )
    # A second request while one waits.
    response = request_within(client, case, cast_b.school)
    assert response.status_code == 200
    assert "Er wacht al een overdracht van dit dossier op de nieuwe school." in response.content.decode()
    # Only the new school's aandachtsfunctionaris decides: its IB'er 403, the old school 404.
    url = reverse("dossier:transfer-decide", kwargs={"transfer_pk": moved.pk})
    assert client_for(cast_b.ib).get(url).status_code == 403
    assert client_for(cast_a.af).get(url).status_code == 404
    # The pupil missing at the new school: an id of another school's pupil is refused.
    response = client_for(cast_b.af).post(url, {"decision": "accept", f"pupil-{old_pupil.pk}": str(old_pupil.pk)})
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    with pytest.raises(Exception, match="is \\(nog\\) geen leerling van uw school"):
        transfer_services.transfer_accept(
            user=cast_b.af, transfer=moved, pupils={old_pupil.pk: (str(old_pupil.pk), "")}
        )
    assert Case.objects.get(pk=case.pk).school == cast_a.school
    # Refusing needs a reason; refused, the case stays where it was.
    response = client_for(cast_b.af).post(url, {"decision": "refuse", "reason": ""})
    assert response.status_code == 200 and response.context["refuse"].errors
    response = client_for(cast_b.af).post(url, {"decision": "refuse", "reason": "De leerling komt toch niet."})
    assert response.status_code == 302
    moved.refresh_from_db()
    assert (moved.state, moved.decided_by, moved.refusal_reason) == (
        "refused",
        cast_b.af,
        "De leerling komt toch niet.",
    )
    assert answers(client_for, cast_a, case)["af"] == 200
    refused = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.TRANSFER_REFUSED)
    assert set(refused.values_list("school_id", flat=True)) == {cast_a.school.pk, cast_b.school.pk}


def test_a_staff_route_case_is_not_transferred(cast_a, cast_b):
    case = factories.open_case(cast_a.af, factories.PupilFactory(class_group=cast_a.group1), route="B")
    with pytest.raises(Exception, match="personeelsroute"):
        transfer_services.transfer_request(
            user=cast_a.af, case=Case.objects.get(pk=case.pk), to_school=cast_b.school, parents_informed_on=INFORMED
        )


# --- Outside the board -----------------------------------------------------------------------------------------


def all_text_in_the_database() -> str:
    """Every table's rows, as text (a dump of the test database)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the database itself
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_outside_the_board_the_staff_dossier_travels_encrypted(cast_a, client_for, caplog):
    caplog.set_level(logging.DEBUG)
    case = factories.case_in_state(cast_a, "consulting")
    client = client_for(cast_a.af)
    response = client.post(
        reverse("dossier:transfer-request", kwargs={"pk": case.pk}),
        {
            "kind": "outside",
            "school_name": "Basisschool De Regenboog",
            "brin": "99zz",
            "parents_informed_on": INFORMED.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    moved = CaseTransfer.objects.get(case=case)
    assert (moved.kind, moved.to_school_name, moved.to_brin, moved.requested_by) == (
        "outside",
        "Basisschool De Regenboog",
        "99ZZ",
        cast_a.af,
    )
    job = StaffDossierJob.objects.get(case=case)
    assert (job.purpose, job.transfer, job.recipient) == ("next_school", moved, "Basisschool De Regenboog (BRIN 99ZZ)")
    assert TransferRecord.objects.get(case=case).to_brin == "99ZZ"
    run_worker()
    release = StaffDossierRelease.objects.get(case=case)
    assert release.encrypted and release.transfer == moved
    # Not downloadable unencrypted.
    plain = reverse("dossier:staff-download", kwargs={"pk": case.pk, "release_pk": release.pk})
    assert client.get(plain).status_code == 404

    assert (
        client.get(reverse("dossier:transfer-encrypt", kwargs={"pk": case.pk, "transfer_pk": moved.pk})).status_code
        == 200
    )
    url = reverse("dossier:transfer-password", kwargs={"pk": case.pk, "transfer_pk": moved.pk})
    response = client.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert len(password) == 24 and password.count("-") == 4
    assert password in response.content.decode()
    download = client.get(
        reverse("dossier:transfer-encrypted-download", kwargs={"pk": case.pk, "transfer_pk": moved.pk})
    )
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(download.content))
    assert reader.is_encrypted
    assert not reader.decrypt("verkeerd-wachtwoord")
    with pytest.raises(Exception):  # noqa: B017, PT011 - pypdf refuses to read an encrypted file's text
        reader.pages[0].extract_text()
    reader = PdfReader(io.BytesIO(download.content))
    assert reader.decrypt(password)
    assert "/AESV3" in str(reader.trailer["/Encrypt"]["/CF"])  # AES-256
    text = "".join(page.extract_text() for page in reader.pages)
    assert "vertrouwelijk — voor Basisschool De Regenboog (BRIN 99ZZ)" in text
    # The password is in no table, no log and no mail.
    assert password not in all_text_in_the_database()
    assert password.replace("-", "") not in all_text_in_the_database()
    assert password not in caplog.text
    assert all(password not in (m.body + m.subject) for m in sent_mail())
    # Audited: the release, the encrypted copy and its download, each an export without the password.
    exports = AuditEvent.objects.filter(case=case, action=AuditEvent.Action.EXPORT).values_list("target", flat=True)
    assert any("encrypted for 99ZZ" in t for t in exports) and any("encrypted, downloaded" in t for t in exports)
    # A new password makes a new copy; the old password no longer opens what is downloaded.
    second = client.post(url).context["password"]
    assert second != password and EncryptedCopy.objects.count() == 1
    again = client.get(reverse("dossier:transfer-encrypted-download", kwargs={"pk": case.pk, "transfer_pk": moved.pk}))
    assert not PdfReader(io.BytesIO(again.content)).decrypt(password)
    assert PdfReader(io.BytesIO(again.content)).decrypt(second)
