"""The pupil import (schools/pupil_import.py): the sample file, every kind of bad row (with its line number, and
nothing imported), repeat imports, encodings and separators, the dry run, the command, and the admin upload flow."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases import permissions as perms
from schools import pupil_import
from schools.models import ClassGroup, Guardian, Pupil, PupilImport
from tests import factories
from tests.cases.test_guards import nl
from tests.otp import login_verified

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "leerlingen-voorbeeld.csv"
HEADER = "leerlingnummer;voornaam;tussenvoegsel;achternaam;geboortedatum;groep"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    return newline.join([header, *lines]).encode(encoding)


def snapshot() -> tuple:
    return (
        sorted(Pupil.objects.values_list("pupil_system_id", "first_name", "last_name", "date_of_birth", "class_group")),
        sorted(ClassGroup.objects.values_list("school_id", "name")),
        Guardian.objects.count(),
        PupilImport.objects.count(),
    )


def run(school, data: bytes, user=None):
    return pupil_import.run_import(school=school, data=data, user=user, via=PupilImport.Via.COMMAND)


# --- The sample file -------------------------------------------------------------------------------------------


def test_the_sample_file_is_windows_1252_with_semicolons_and_imports(cast_a):
    data = SAMPLE.read_bytes()
    assert "Zoë".encode("cp1252") in data and not data.startswith(b"\xef\xbb\xbf")
    report = run(cast_a.school, data)

    assert report.ok, report.errors
    assert (report.encoding, report.delimiter) == ("Windows-1252", ";")
    # A100001 belongs to the demo school, not to this test school: eleven new pupils here.
    assert (report.created, report.updated, report.unchanged) == (11, 0, 0)
    zoe = Pupil.objects.get(school=cast_a.school, pupil_system_id="A200101")
    assert (zoe.first_name, zoe.last_name, zoe.date_of_birth) == ("Zoë", "van der Hoeksema", datetime.date(2021, 3, 14))
    assert zoe.class_group.name == "groep 1/2" and zoe.class_group.school == cast_a.school
    assert sorted(zoe.guardians.values_list("name", "relation", "has_parental_authority")) == [
        ("Anouk van der Hoeksema", "mother", True),
        ("Joris van der Hoeksema", "father", True),
    ]
    frans = Guardian.objects.get(name="Frans de Grootveld")
    assert not frans.has_parental_authority
    record = PupilImport.objects.get()
    assert (record.school, record.created, record.groups_created, record.via) == (cast_a.school, 11, 4, "command")


def test_the_demo_school_sees_the_known_pupil_as_unchanged(db):
    call_command("loaddata", str(Path(settings.BASE_DIR) / "fixtures" / "demo.json"), verbosity=0)
    school = Pupil.objects.get(pupil_system_id="A100001").school
    report = pupil_import.plan_import(school=school, data=SAMPLE.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (10, 0, 1)
    assert "A100002" in report.not_in_file


# --- Repeat imports ---------------------------------------------------------------------------------------------


def test_a_repeat_import_changes_nothing_and_duplicates_nothing(cast_a):
    run(cast_a.school, SAMPLE.read_bytes())
    before = snapshot()[:3]
    report = run(cast_a.school, SAMPLE.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 11)
    assert snapshot()[:3] == before
    assert PupilImport.objects.count() == 2


def test_a_repeat_import_applies_changes_and_reports_them(cast_a):
    run(cast_a.school, csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1", "P2;Bram;;Smit;03-04-2018;groep 1"))
    report = run(cast_a.school, csv_bytes("P1;Anna;de;Visser;01-02-2018;groep 2", "P3;Cas;;Bos;05-06-2018;groep 9"))

    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    change = next(row for row in report.rows if row.pupil_system_id == "P1")
    assert (nl("last name"), "Visser", "de Visser") in change.changes
    assert (nl("group"), "groep 1", "groep 2") in change.changes
    assert report.groups_created == ["groep 9"]
    assert report.not_in_file == ["P2"]
    anna = Pupil.objects.get(pupil_system_id="P1")
    assert (anna.last_name, anna.class_group) == ("de Visser", cast_a.group2)
    assert Pupil.objects.filter(pupil_system_id="P2").exists(), "pupils not in the file are not deleted"
    assert Pupil.objects.filter(school=cast_a.school, pupil_system_id__in=["P1", "P2", "P3"]).count() == 3


def test_a_repeat_import_updates_parents_and_keeps_those_not_in_the_file(cast_a):
    header = HEADER + ";verzorger1_naam;verzorger1_relatie;verzorger1_gezag;verzorger1_telefoon"
    run(cast_a.school, csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1;Ria Visser;moeder;ja;06-1", header=header))
    report = run(cast_a.school, csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1;Ria Visser;moeder;nee;", header=header))

    assert report.updated == 1
    ((name, before, after),) = report.rows[0].changes
    assert "Ria Visser" in name and before.endswith("06-1") and after.endswith("06-1")
    guardian = Guardian.objects.get(pupil__pupil_system_id="P1")
    assert (guardian.has_parental_authority, guardian.phone) == (False, "06-1")  # an empty cell keeps the phone
    run(cast_a.school, csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1;;;;", header=header))
    assert Guardian.objects.filter(pupil__pupil_system_id="P1").count() == 1


def test_matching_is_within_the_school(cast_a, cast_b):
    factories.PupilFactory(class_group=cast_b.group1, pupil_system_id="P1", first_name="Ander")
    run(cast_a.school, csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1"))
    assert Pupil.objects.get(school=cast_b.school, pupil_system_id="P1").first_name == "Ander"
    assert Pupil.objects.get(school=cast_a.school, pupil_system_id="P1").first_name == "Anna"


def test_a_pupil_moved_by_the_import_is_seen_by_the_teacher_of_the_new_group(cast_a):
    pupil = factories.PupilFactory(
        class_group=cast_a.group1, pupil_system_id="P7", date_of_birth=datetime.date(2018, 1, 1)
    )
    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    case.pupils.add(pupil)
    from cases import access

    access.case_sync_permissions(case)
    other = User.objects.get(pk=cast_a.other_teacher.pk)
    assert not perms.case_queryset_for_user(other).filter(pk=case.pk).exists()

    line = f"P7;{pupil.first_name};;{pupil.last_name};01-01-2018;{cast_a.group2.name}"
    report = run(cast_a.school, csv_bytes(line))

    assert report.updated == 1
    other = User.objects.get(pk=cast_a.other_teacher.pk)
    assert perms.case_queryset_for_user(other).filter(pk=case.pk).exists()
    assert perms.can(other, perms.VIEW, case)


# --- Bad rows: line number and reason, nothing imported ----------------------------------------------------------

BAD_ROWS = [
    ("empty id", ";Anna;;Visser;01-02-2018;groep 1", "the leerlingnummer is empty."),
    ("empty first name", "P9;;;Visser;01-02-2018;groep 1", "the first name is empty."),
    ("empty last name", "P9;Anna;;;01-02-2018;groep 1", "the last name is empty."),
    ("bad date", "P9;Anna;;Visser;31-02-2018;groep 1", "is not a date (dd-mm-jjjj)"),
    ("date in the future", "P9;Anna;;Visser;01-02-2099;groep 1", "is in the future"),
    ("implausible date", "P9;Anna;;Visser;01-02-1950;groep 1", "not plausible"),
    ("empty group", "P9;Anna;;Visser;01-02-2018;", "the group is empty."),
    ("too few fields", "P9;Anna;Visser;01-02-2018;groep 1", "5 fields instead of 6"),
    ("duplicate id", "P1;Bram;;Smit;03-04-2018;groep 1", "also occurs on line 2"),
]


@pytest.mark.parametrize(("label", "line", "reason"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(label, line, reason, cast_a):
    data = csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1", "P2;Cas;;Bos;05-06-2018;groep 7", line)
    before = snapshot()

    report = run(cast_a.school, data)

    assert not report.ok
    assert [e.line for e in report.errors] == [4]
    message = str(report.errors[0])
    assert message.startswith(nl("Line %(line)s: %(message)s").split("%")[0] + "4")
    assert reason.split("%")[0] in message or nl(reason) in message or _dutch_contains(reason, message), message
    assert snapshot() == before, "on any bad row nothing is imported (not even the good rows or the new group)"


def _dutch_contains(reason: str, message: str) -> bool:
    """The reason in Dutch: compare the catalogue's translation of the reason's template."""
    templates = {
        "is not a date (dd-mm-jjjj)": "the date of birth %(value)s is not a date (dd-mm-jjjj).",
        "is in the future": "the date of birth %(value)s is in the future.",
        "not plausible": "the date of birth %(value)s is not plausible for a pupil.",
        "5 fields instead of 6": "%(found)s fields instead of %(expected)s. Check the separator and the quotes.",
        "also occurs on line 2": "leerlingnummer %(id)s also occurs on line %(other)s.",
    }
    dutch = nl(templates[reason])
    return all(part.strip() in message for part in dutch.split("%") if part and not part.startswith("("))


def test_the_reasons_are_in_dutch(cast_a):
    report = run(cast_a.school, csv_bytes("P9;Anna;;Visser;01-02-2099;groep 1"))
    assert str(report.errors[0]).startswith("Regel 2: ")
    assert "toekomst" in str(report.errors[0])


def test_a_multi_line_quoted_field_keeps_the_line_numbers_right(cast_a):
    data = csv_bytes('P1;"Anna\nMaria";;Visser;01-02-2018;groep 1', "P2;;;Bos;05-06-2018;groep 1")
    report = run(cast_a.school, data)
    assert [e.line for e in report.errors] == [4]


@pytest.mark.parametrize(
    ("label", "data", "reason"),
    [
        ("missing column", b"leerlingnummer;voornaam;achternaam;groep\r\nP1;Anna;Visser;groep 1", "geboortedatum"),
        ("wrong separator", b"leerlingnummer|voornaam|achternaam|geboortedatum|groep\r\n", "Regel 1"),
        ("empty file", b"", "leeg"),
        ("binary", b"PK\x03\x04\x00\x00binary", "CSV"),
        ("only a header", (HEADER + "\r\n").encode(), "geen leerlingen"),
        ("invalid UTF-8 after a BOM", b"\xef\xbb\xbf" + HEADER.encode() + b"\r\nP1;\xe9;;V;01-01-2018;g", "UTF-8"),
        ("unknown encoding", HEADER.encode() + b"\r\nP1;\x81\x8d;;V;01-01-2018;g", "codering"),
        ("converted twice", csv_bytes("P1;ZoÃ«;;Visser;01-02-2018;groep 1"), "twee keer"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v or v in ("binary",) else None,
)
def test_a_bad_file_is_refused_with_a_dutch_reason(label, data, reason, cast_a):
    before = snapshot()
    report = run(cast_a.school, data)
    assert not report.ok
    assert reason in " ".join(str(e) for e in report.errors), report.errors
    assert snapshot() == before


def test_bad_guardian_columns_are_reported(cast_a):
    header = HEADER + ";verzorger1_naam;verzorger1_relatie;verzorger1_gezag;verzorger1_email"
    data = csv_bytes(
        "P1;Anna;;Visser;01-02-2018;groep 1;Ria Visser;tante;ja;",
        "P2;Cas;;Bos;05-06-2018;groep 1;Piet Bos;vader;misschien;geen-adres",
        header=header,
    )
    report = run(cast_a.school, data)
    assert [e.line for e in report.errors] == [2, 3, 3]
    assert Pupil.objects.filter(pupil_system_id__in=["P1", "P2"]).count() == 0


# --- Encodings and separators -------------------------------------------------------------------------------------

NAMES_LINE = "P1;Zoë;;Ruïz-Hélène;01-02-2018;groep 1"


@pytest.mark.parametrize(
    ("label", "data", "encoding"),
    [
        ("utf-8 with BOM", b"\xef\xbb\xbf" + csv_bytes(NAMES_LINE), "UTF-8 (BOM)"),
        ("utf-8", csv_bytes(NAMES_LINE), "UTF-8"),
        ("windows-1252", csv_bytes(NAMES_LINE, encoding="cp1252"), "Windows-1252"),
        (
            "utf-16 (Excel unicode text)",
            "\ufeff".encode("utf-16-le") + csv_bytes(NAMES_LINE, encoding="utf-16-le"),
            "UTF-16",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v[0].islower() else None,
)
def test_encodings(label, data, encoding, cast_a):
    report = run(cast_a.school, data)
    assert report.ok, report.errors
    assert report.encoding == encoding
    pupil = Pupil.objects.get(pupil_system_id="P1")
    assert (pupil.first_name, pupil.last_name) == ("Zoë", "Ruïz-Hélène")


@pytest.mark.parametrize("delimiter", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
def test_separators(delimiter, cast_a):
    header = HEADER.replace(";", delimiter)
    line = NAMES_LINE.replace(";", delimiter)
    quoted = delimiter.join(['"P2"', '"Bram, Jan"', "", "Smit", "03-04-2018", "groep 1"])
    report = run(cast_a.school, csv_bytes(line, quoted, header=header))
    assert report.ok, report.errors
    assert report.delimiter == delimiter
    assert Pupil.objects.get(pupil_system_id="P2").first_name == "Bram, Jan"


def test_header_names_are_read_loosely(cast_a):
    header = "Leerlingnummer;Roepnaam;Tussenvoegsel;Achternaam;Geboortedatum;Groep"
    report = run(cast_a.school, csv_bytes("P1;Anna;;Visser;1-2-2018;Groep 1", header=header))
    assert report.ok, report.errors
    assert Pupil.objects.get(pupil_system_id="P1").class_group == cast_a.group1  # group names match case-blind


# --- Dry run and command ------------------------------------------------------------------------------------------


def test_the_dry_run_changes_nothing(cast_a):
    before = snapshot()
    report = pupil_import.plan_import(school=cast_a.school, data=SAMPLE.read_bytes())
    assert report.ok and report.created == 11 and not report.applied
    assert snapshot() == before


def test_the_command_dry_run_and_import(cast_a):
    out = StringIO()
    call_command("import_pupils", cast_a.school.brin, str(SAMPLE), "--dry-run", stdout=out)
    assert "11 new" in out.getvalue()
    assert Pupil.objects.filter(pupil_system_id="A200101").count() == 0
    call_command("import_pupils", str(cast_a.school.pk), str(SAMPLE), stdout=StringIO())
    assert Pupil.objects.filter(school=cast_a.school, pupil_system_id__startswith="A2001").count() == 10


def test_the_command_fails_on_a_bad_file(cast_a, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("P1;Anna;;Visser;99-99-2018;groep 1"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_pupils", cast_a.school.brin, str(bad), stderr=err)
    assert "Regel 2" in err.getvalue()
    assert not Pupil.objects.filter(pupil_system_id="P1").exists()


# --- The admin page -------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db):
    root = User.objects.create_superuser("beheerder-test", "beheer@example.invalid", factories.PASSWORD)
    client = Client()
    login_verified(client, root)
    return client


def upload(client, school, data: bytes, name: str = "leerlingen.csv"):
    return client.post(
        reverse("admin:schools_pupil_import"), {"school": school.pk, "file": SimpleUploadedFile(name, data)}
    )


def test_admin_upload_preview_and_confirm(admin_client, cast_a):
    page = admin_client.get(reverse("admin:schools_pupil_changelist"))
    assert reverse("admin:schools_pupil_import") in page.content.decode()
    assert admin_client.get(reverse("admin:schools_pupil_import")).status_code == 200

    preview = upload(admin_client, cast_a.school, SAMPLE.read_bytes())
    assert preview.status_code == 200
    report = preview.context["report"]
    assert report.ok and report.created == 11
    assert "Zoë" in preview.content.decode()
    assert not Pupil.objects.filter(pupil_system_id="A200101").exists(), "the preview writes nothing"

    done = admin_client.post(
        reverse("admin:schools_pupil_import"), {"confirm": "1", "checksum": preview.context["checksum"]}
    )
    assert done.status_code == 302
    assert Pupil.objects.filter(school=cast_a.school, pupil_system_id__startswith="A2001").count() == 10
    record = PupilImport.objects.get()
    assert record.imported_by.username == "beheerder-test" and record.via == "admin"
    # The confirmation cannot be replayed.
    again = admin_client.post(
        reverse("admin:schools_pupil_import"), {"confirm": "1", "checksum": preview.context["checksum"]}
    )
    assert again.status_code == 302 and PupilImport.objects.count() == 1


def test_admin_confirm_with_a_stale_checksum_imports_nothing(admin_client, cast_a):
    upload(admin_client, cast_a.school, SAMPLE.read_bytes())
    response = admin_client.post(reverse("admin:schools_pupil_import"), {"confirm": "1", "checksum": "0" * 64})
    assert response.status_code == 302
    assert not Pupil.objects.filter(pupil_system_id="A200101").exists()


def test_admin_shows_bad_rows_and_offers_no_import(admin_client, cast_a):
    response = upload(admin_client, cast_a.school, csv_bytes("P1;Anna;;Visser;01-02-2099;groep 1"))
    content = response.content.decode()
    assert "Regel 2" in content and "toekomst" in content
    assert 'name="confirm"' not in content
    assert not Pupil.objects.filter(pupil_system_id="P1").exists()


@pytest.mark.parametrize(
    ("label", "name", "data", "message"),
    [
        ("too large", "groot.csv", b"a;b\r\n" * (pupil_import.MAX_BYTES // 5 + 10), "groter dan 2 MB"),
        ("not a csv name", "foto.png", b"leerlingnummer;voornaam", ".csv"),
        ("binary content", "leerlingen.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "geen tekstbestand"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_admin_refuses_large_or_non_text_uploads(label, name, data, message, admin_client, cast_a):
    before = snapshot()
    response = upload(admin_client, cast_a.school, data, name=name)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"]), response.context["form"].errors
    assert response.context["report"] is None
    assert snapshot() == before


def test_admin_import_is_refused_to_staff_without_pupil_rights(cast_a):
    staff = factories.UserFactory(username="medewerker-beheer", is_staff=True)
    client = Client()
    login_verified(client, staff)
    assert client.get(reverse("admin:schools_pupil_import")).status_code == 403
    response = client.post(
        reverse("admin:schools_pupil_import"),
        {"school": cast_a.school.pk, "file": SimpleUploadedFile("l.csv", SAMPLE.read_bytes())},
    )
    assert response.status_code == 403
    assert not Pupil.objects.filter(pupil_system_id="A200101").exists()


@pytest.mark.parametrize("who", ["anonymous", "ib"])
def test_admin_import_is_refused_to_non_staff(who, cast_a):
    client = Client()
    if who == "ib":
        login_verified(client, cast_a.ib)
    response = client.post(
        reverse("admin:schools_pupil_import"),
        {"school": cast_a.school.pk, "file": SimpleUploadedFile("l.csv", SAMPLE.read_bytes())},
    )
    assert response.status_code == 302 and reverse("admin:login") in response.url
    assert not Pupil.objects.filter(pupil_system_id="A200101").exists()


# --- A field longer than the csv module's limit (131,072 characters): a Dutch reason, never a 500 ----------------

LONG = "x" * 131_073


@pytest.mark.parametrize(
    ("label", "data", "line"),
    [
        ("a long field in a row", csv_bytes(f"P1;{LONG};;Visser;01-02-2018;groep 1"), 2),
        ("a quote never closed", csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1", 'P2;"' + LONG), 3),
        ("a long field in the header", csv_bytes("P1;Anna;;Visser;01-02-2018;groep 1", header=HEADER + ";" + LONG), 1),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else None,
)
def test_a_field_over_the_csv_limit_is_refused_with_a_dutch_reason(label, data, line, cast_a):
    before = snapshot()
    report = run(cast_a.school, data)
    assert not report.ok
    assert [e.line for e in report.errors] == [line]
    message = str(report.errors[0])
    assert message.startswith(f"Regel {line}: ") and "131.072 tekens" in message, message
    assert snapshot() == before


def test_the_admin_shows_the_csv_limit_as_a_bad_row(admin_client, cast_a):
    response = upload(admin_client, cast_a.school, csv_bytes(f"P1;{LONG};;Visser;01-02-2018;groep 1"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Regel 2" in content and "131.072 tekens" in content
    assert 'name="confirm"' not in content
