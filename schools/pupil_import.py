"""Import pupils and groups from a CSV export of the pupil-administration system (ESIS, ParnasSys).

A pure service: ``plan_import`` reads the file and computes what would change (the dry run), without writing;
``run_import`` does the same inside one transaction and applies the plan only when every row is valid. On any bad
row nothing is imported. The management command ``import_pupils`` and the admin page both use these two.

The file (documented in README.md and in fixtures/leerlingen-voorbeeld.csv):

- encoding UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252; UTF-8 is tried before Windows-1252, which
  would decode almost any bytes;
- separator ``;`` (the Dutch default of Excel and ParnasSys), ``,`` or tab, recognised from the header row;
- a header row with the column names below (case and spaces do not matter);
- required: leerlingnummer, voornaam, achternaam, geboortedatum (dd-mm-jjjj), groep;
  optional: tussenvoegsel (put before the last name), and per parent or carer (n = 1 or 2): verzorgerN_naam,
  verzorgerN_relatie (moeder, vader, ouder, pleegouder, voogd, anders), verzorgerN_gezag (ja/nee),
  verzorgerN_telefoon, verzorgerN_email.

Matching is by leerlingnummer within the school (``Pupil.pupil_system_id``): a known pupil is updated where the file
differs, a new one is created, groups are created by name when missing. Pupils that are not in the file are not
deleted: they are reported. Parents and carers are matched by name per pupil: added or updated, never deleted.
Each pupil is saved on its own (``save()``), so the receivers in ``cases.access`` re-sync the case permissions of a
pupil who moves to another group.
"""

import csv
import datetime
import io
import logging
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from schools.models import ClassGroup, Guardian, Pupil, PupilImport, School

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
DELIMITERS = [";", ",", "\t"]
DELIMITER_NAMES = {";": "puntkomma", ",": "komma", "\t": "tab"}

REQUIRED = ["leerlingnummer", "voornaam", "achternaam", "geboortedatum", "groep"]
OPTIONAL = ["tussenvoegsel"]
GUARDIAN_SLOTS = [1, 2]
GUARDIAN_FIELDS = ["naam", "relatie", "gezag", "telefoon", "email"]
# Other names some exports use for the same column.
ALIASES = {
    "leerlingnr": "leerlingnummer",
    "leerlingid": "leerlingnummer",
    "roepnaam": "voornaam",
    "geboortedatum(dd-mm-jjjj)": "geboortedatum",
    "klas": "groep",
    "groepsnaam": "groep",
}
RELATIONS = {
    "moeder": Guardian.Relation.MOTHER,
    "vader": Guardian.Relation.FATHER,
    "ouder": Guardian.Relation.PARENT,
    "pleegouder": Guardian.Relation.FOSTER_PARENT,
    "voogd": Guardian.Relation.GUARDIAN,
    "anders": Guardian.Relation.OTHER,
    "": Guardian.Relation.PARENT,
}
YES_NO = {"ja": True, "j": True, "yes": True, "1": True, "nee": False, "n": False, "no": False, "0": False}
# The oldest date of birth that is plausible for a primary-school pupil.
OLDEST_BIRTH_YEAR = 1990


# UTF-8 read as Windows-1252 and saved as UTF-8 again: "Ã«" for "ë", "Ã©" for "é".
DOUBLE_ENCODED = re.compile("Ã[\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6\u02dc\u20ac\u2122]")


class ImportRefused(Exception):
    """The whole file cannot be read (size, type, encoding, header): nothing is imported."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass
class RowError:
    line: int | None  # None: the file as a whole
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class GuardianRow:
    name: str
    relation: str
    has_parental_authority: bool
    phone: str
    email: str


@dataclass
class PupilRow:
    line: int
    pupil_system_id: str
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    group: str
    guardians: list[GuardianRow] = field(default_factory=list)


@dataclass
class RowChange:
    line: int
    pupil_system_id: str
    action: str  # "create", "update", "unchanged"
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, old, new)


@dataclass
class ImportReport:
    school: School
    encoding: str = ""
    delimiter: str = ""
    errors: list[RowError] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)  # leerlingnummers of current pupils missing in the file
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, self.delimiter)

    @property
    def changed_rows(self) -> list[RowChange]:
        return [row for row in self.rows if row.action != "unchanged"]


# --- Reading the file ---------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with. Refuses what is not text."""
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 2 MB. Export only the pupils of this school."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportRefused(_("The file could not be read as UTF-16 text.")) from None
    if b"\x00" in data:
        raise ImportRefused(_("This is not a text (CSV) file. Export the pupils as CSV from the pupil administration."))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text, encoding = data.decode("utf-8-sig"), "UTF-8 (BOM)"
        except UnicodeDecodeError:
            raise ImportRefused(_("The file says it is UTF-8 but contains characters that are not UTF-8.")) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                raise ImportRefused(
                    _("The encoding of the file is not recognised. Save it as CSV in UTF-8 or Windows-1252.")
                ) from None
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
        raise ImportRefused(_("This is not a text (CSV) file. Export the pupils as CSV from the pupil administration."))
    if DOUBLE_ENCODED.search(text):
        raise ImportRefused(
            _(
                "The encoding of the file is ambiguous: it looks converted twice (for example Ã« instead of ë). "
                "Export it again from the pupil administration."
            )
        )
    return text, encoding


def normalise_header(name: str) -> str:
    key = "".join(name.strip().lower().split()).replace("-", "").replace(".", "")
    key = key.replace("verzorger_", "verzorger")
    return ALIASES.get(key, key)


def known_columns() -> set[str]:
    columns = set(REQUIRED) | set(OPTIONAL)
    for slot in GUARDIAN_SLOTS:
        columns |= {f"verzorger{slot}_{name}" for name in GUARDIAN_FIELDS}
    return columns


def _header_key(name: str) -> str:
    # verzorger1naam → verzorger1_naam: tolerate exports without the underscore.
    key = normalise_header(name)
    for slot in GUARDIAN_SLOTS:
        prefix = f"verzorger{slot}"
        if key.startswith(prefix) and not key.startswith(f"{prefix}_"):
            key = f"{prefix}_{key[len(prefix) :]}"
    return key


def detect_delimiter(first_line: str) -> str:
    """The separator that splits the header row into the most known columns."""
    best, best_score = "", 0
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            raise ImportRefused(_field_too_long(), line=1) from None
        score = sum(1 for cell in cells if _header_key(cell) in known_columns())
        if score > best_score:
            best, best_score = delimiter, score
    if best_score < 2:
        raise ImportRefused(
            _(
                "no known column names found. The first line must name the columns (%(columns)s), "
                "separated by semicolons, commas or tabs."
            )
            % {"columns": ", ".join(REQUIRED)},
            line=1,
        )
    return best


def parse_date(value: str) -> datetime.date | None:
    value = value.strip()
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _field_too_long() -> str:
    return _(
        'a field is longer than %(max)s characters, or a quote (") is opened and never closed. '
        "Check the quotes on this line."
    ) % {"max": formats.number_format(csv.field_size_limit(), force_grouping=True)}


class _rows:
    """The csv reader, with its one error turned into a Dutch refusal of the file at the line where it happened: a
    field longer than the csv module's limit (131,072 characters), in practice a quote that is never closed, which
    swallows the rest of the file. The reader cannot go on after it, so the whole file is refused."""

    def __init__(self, reader):
        self._reader = reader

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self):
        return self

    def __next__(self):
        start = self._reader.line_num + 1
        try:
            return next(self._reader)
        except csv.Error:
            raise ImportRefused(_field_too_long(), line=start) from None


def parse(data: bytes) -> tuple[list[PupilRow], str, str, list[RowError]]:
    """Read the file into rows; every problem is a RowError with its line number."""
    text, encoding = decode(data)
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    delimiter = detect_delimiter(first_line)
    reader = _rows(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter))
    header = [_header_key(cell) for cell in next(reader)]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportRefused(
            _("the required column(s) %(columns)s are missing. Check the column names and the separator.")
            % {"columns": ", ".join(missing)},
            line=1,
        )
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise ImportRefused(_("the column(s) %(columns)s occur twice.") % {"columns": ", ".join(duplicates)}, line=1)

    today = timezone.localdate()
    rows: list[PupilRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    max_lengths = {
        "leerlingnummer": Pupil._meta.get_field("pupil_system_id").max_length,
        "voornaam": Pupil._meta.get_field("first_name").max_length,
        "achternaam": Pupil._meta.get_field("last_name").max_length,
        "groep": ClassGroup._meta.get_field("name").max_length,
    }
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # an empty line
        if len(cells) != len(header):
            errors.append(
                RowError(
                    start,
                    _("%(found)s fields instead of %(expected)s. Check the separator and the quotes.")
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        row_errors: list[str] = []
        pupil_id = values["leerlingnummer"]
        first, last = values["voornaam"], values["achternaam"]
        prefix = values.get("tussenvoegsel", "")
        if not pupil_id:
            row_errors.append(_("the leerlingnummer is empty."))
        elif pupil_id in seen:
            row_errors.append(
                _("leerlingnummer %(id)s also occurs on line %(other)s.") % {"id": pupil_id, "other": seen[pupil_id]}
            )
        else:
            seen[pupil_id] = start
        if not first:
            row_errors.append(_("the first name is empty."))
        if not last:
            row_errors.append(_("the last name is empty."))
        full_last = f"{prefix} {last}".strip() if last else ""
        for column, value in [("leerlingnummer", pupil_id), ("voornaam", first), ("achternaam", full_last)]:
            if len(value) > max_lengths[column]:
                row_errors.append(
                    _("%(column)s is longer than %(max)s characters.") % {"column": column, "max": max_lengths[column]}
                )
        born = parse_date(values["geboortedatum"])
        if born is None:
            row_errors.append(
                _("the date of birth %(value)s is not a date (dd-mm-jjjj).")
                % {"value": values["geboortedatum"] or _("(empty)")}
            )
        elif born > today:
            row_errors.append(_("the date of birth %(value)s is in the future.") % {"value": values["geboortedatum"]})
        elif born.year < OLDEST_BIRTH_YEAR:
            row_errors.append(
                _("the date of birth %(value)s is not plausible for a pupil.") % {"value": values["geboortedatum"]}
            )
        group = " ".join(values["groep"].split())
        if not group:
            row_errors.append(_("the group is empty."))
        elif len(group) > max_lengths["groep"]:
            row_errors.append(
                _("%(column)s is longer than %(max)s characters.") % {"column": "groep", "max": max_lengths["groep"]}
            )
        guardians = []
        for slot in GUARDIAN_SLOTS:
            guardian, guardian_errors = _parse_guardian(values, slot)
            row_errors += guardian_errors
            if guardian:
                guardians.append(guardian)
        if row_errors:
            errors.extend(RowError(start, message) for message in row_errors)
            continue
        rows.append(
            PupilRow(
                line=start,
                pupil_system_id=pupil_id,
                first_name=first,
                last_name=full_last,
                date_of_birth=born,
                group=group,
                guardians=guardians,
            )
        )
    if not rows and not errors:
        errors.append(RowError(line, _("the file holds no pupils.")))
    return rows, encoding, delimiter, errors


def _parse_guardian(values: dict[str, str], slot: int) -> tuple[GuardianRow | None, list[str]]:
    get = lambda name: values.get(f"verzorger{slot}_{name}", "")  # noqa: E731
    name = get("naam")
    others = [get(f) for f in GUARDIAN_FIELDS if f != "naam"]
    if not name:
        if any(others):
            return None, [_("parent or carer %(slot)s has data but no name.") % {"slot": slot}]
        return None, []
    errors = []
    relation = RELATIONS.get(get("relatie").lower())
    if relation is None:
        errors.append(
            _("parent or carer %(slot)s: relation %(value)s is not one of %(choices)s.")
            % {"slot": slot, "value": get("relatie"), "choices": ", ".join(k for k in RELATIONS if k)}
        )
    authority = YES_NO.get(get("gezag").lower()) if get("gezag") else True
    if authority is None:
        errors.append(
            _("parent or carer %(slot)s: parental authority must be ja or nee, not %(value)s.")
            % {"slot": slot, "value": get("gezag")}
        )
    email = get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                _("parent or carer %(slot)s: %(value)s is not an e-mail address.") % {"slot": slot, "value": email}
            )
    limits = {"naam": 200, "telefoon": 30, "email": 254}
    for column, limit in limits.items():
        if len(get(column)) > limit:
            errors.append(
                _("%(column)s is longer than %(max)s characters.")
                % {"column": f"verzorger{slot}_{column}", "max": limit}
            )
    if errors:
        return None, errors
    return GuardianRow(name, relation, authority, get("telefoon"), email), []


# --- Planning and applying ----------------------------------------------------------------------------------------


def _guardian_details(guardian) -> str:
    """Relation, parental authority, phone and e-mail in words, for the preview."""
    parts = [
        str(Guardian.Relation(guardian.relation).label),
        str(_("parental authority") if guardian.has_parental_authority else _("no parental authority")),
    ]
    return ", ".join([*parts, *(v for v in (guardian.phone, guardian.email) if v)])


def _fmt_date(value: datetime.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""


def _plan(school: School, rows: list[PupilRow], report: ImportReport) -> dict:
    """Compare the rows with the database (a fixed number of queries) and fill ``report.rows``."""
    groups = {g.name.casefold(): g for g in ClassGroup.objects.filter(school=school)}
    pupils = {
        p.pupil_system_id: p
        for p in Pupil.objects.filter(school=school).select_related("class_group").prefetch_related("guardians")
    }
    report.groups_created = sorted({row.group for row in rows if row.group.casefold() not in groups}, key=str.casefold)
    in_file = {row.pupil_system_id for row in rows}
    report.not_in_file = sorted(pid for pid, p in pupils.items() if pid not in in_file and p.left_on is None)
    for row in rows:
        pupil = pupils.get(row.pupil_system_id)
        if pupil is None:
            report.rows.append(
                RowChange(
                    row.line,
                    row.pupil_system_id,
                    "create",
                    [
                        (_("name"), "", f"{row.first_name} {row.last_name}"),
                        (_("date of birth"), "", _fmt_date(row.date_of_birth)),
                        (_("group"), "", row.group),
                        *[(_("parent or carer"), "", f"{g.name} ({_guardian_details(g)})") for g in row.guardians],
                    ],
                )
            )
            continue
        changes = []
        if pupil.first_name != row.first_name:
            changes.append((_("first name"), pupil.first_name, row.first_name))
        if pupil.last_name != row.last_name:
            changes.append((_("last name"), pupil.last_name, row.last_name))
        if pupil.date_of_birth != row.date_of_birth:
            changes.append((_("date of birth"), _fmt_date(pupil.date_of_birth), _fmt_date(row.date_of_birth)))
        old_group = pupil.class_group.name if pupil.class_group else ""
        if old_group.casefold() != row.group.casefold():
            changes.append((_("group"), old_group, row.group))
        if pupil.left_on is not None:
            changes.append((_("left school on"), _fmt_date(pupil.left_on), ""))
        existing = {g.name.casefold(): g for g in pupil.guardians.all()}
        for g in row.guardians:
            old = existing.get(g.name.casefold())
            if old is None:
                changes.append((_("parent or carer"), "", f"{g.name} ({_guardian_details(g)})"))
                continue
            before = _guardian_details(old)
            after = _guardian_details(
                GuardianRow(g.name, g.relation, g.has_parental_authority, g.phone or old.phone, g.email or old.email)
            )
            if before != after:
                changes.append((f"{_('parent or carer')} {old.name}", before, after))
        report.rows.append(RowChange(row.line, row.pupil_system_id, "update" if changes else "unchanged", changes))
    return {"groups": groups, "pupils": pupils}


def _apply(school: School, rows: list[PupilRow], report: ImportReport, state: dict) -> None:
    groups: dict[str, ClassGroup] = state["groups"]
    for name in report.groups_created:
        groups[name.casefold()] = ClassGroup.objects.create(school=school, name=name)
    changes = {change.pupil_system_id: change for change in report.rows}
    for row in rows:
        if changes[row.pupil_system_id].action == "unchanged":
            continue
        group = groups[row.group.casefold()]
        pupil = state["pupils"].get(row.pupil_system_id)
        if pupil is None:
            pupil = Pupil(school=school, pupil_system_id=row.pupil_system_id)
        pupil.first_name, pupil.last_name, pupil.date_of_birth = row.first_name, row.last_name, row.date_of_birth
        pupil.class_group, pupil.left_on = group, None
        pupil.full_clean()
        # One save per pupil: the receivers in cases.access re-sync the cases of a pupil who changed group.
        pupil.save()
        existing = {g.name.casefold(): g for g in pupil.guardians.all()} if pupil.pk else {}
        for g in row.guardians:
            guardian = existing.get(g.name.casefold()) or Guardian(pupil=pupil, name=g.name)
            guardian.relation, guardian.has_parental_authority = g.relation, g.has_parental_authority
            guardian.phone = g.phone or guardian.phone
            guardian.email = g.email or guardian.email
            guardian.save()


def _prepare(school: School, data: bytes) -> tuple[ImportReport, list[PupilRow], dict]:
    report = ImportReport(school=school)
    try:
        rows, report.encoding, report.delimiter, report.errors = parse(data)
    except ImportRefused as exc:
        report.errors = [RowError(exc.line, exc.message)]
        return report, [], {}
    if report.errors:
        return report, rows, {}
    return report, rows, _plan(school, rows, report)


def plan_import(*, school: School, data: bytes) -> ImportReport:
    """The dry run: what the import would change. Writes nothing."""
    return _prepare(school, data)[0]


def run_import(*, school: School, data: bytes, user: User | None, via: str) -> ImportReport:
    """Import the file in one transaction: on any bad row nothing is written. Records a ``PupilImport`` (who,
    when, counts — no personal data)."""
    with transaction.atomic():
        School.objects.select_for_update().filter(pk=school.pk).first()  # one import per school at a time
        report, rows, state = _prepare(school, data)
        if not report.ok:
            return report
        _apply(school, rows, report, state)
        PupilImport.objects.create(
            school=school,
            imported_by=user if user is not None and user.is_authenticated else None,
            via=via,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            groups_created=len(report.groups_created),
            not_in_file=len(report.not_in_file),
        )
        report.applied = True
    logger.info(
        "pupil import school=%s by=%s via=%s created=%s updated=%s unchanged=%s groups_created=%s not_in_file=%s",
        school.pk,
        user.pk if user is not None and user.is_authenticated else "-",
        via,
        report.created,
        report.updated,
        report.unchanged,
        len(report.groups_created),
        len(report.not_in_file),
    )
    return report
