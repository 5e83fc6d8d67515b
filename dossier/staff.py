"""The staff dossier (issue 19): the whole file of a case for the school's own records, the inspectorate, Veilig
Thuis, the police or a court, or the next school — everything in the chronology, including what the parent extract
leaves out; the weighing with its justifications; the step changes; the redactions and why; who released what; and a
summary of the audit trail.

It is built by the same function as the parent extract (``extract.build_extract`` with ``rules=STAFF``: every record,
in full, the words left out of the parent extract marked "[weggelaten: <reden>]") and rendered by the same pipeline
(``pdf.render_document`` with ``pdf.STAFF_RULES``): one rendering path, two rule sets. Each record is rendered with
the chronology's own template of its kind, as the case page shows it to the aandachtsfunctionaris.

Everything is taken as it was at one moment, ``as_of`` (the release's time): the records, redactions, releases and
audit rows up to then. Rendered again for the same moment, the content is the same, and so is its checksum
(``pdf.staff_release_verifies``).
"""

from dataclasses import dataclass

from cases.models import Case, CaseState
from cases.models.choices import choice_label
from cases.steps import StepRow, step_overview
from dossier import extract as extract_rules
from dossier import selectors


@dataclass
class StaffDossier:
    extract: extract_rules.Extract  # rules=STAFF: every item, with ``item.marked``
    data: selectors.StaffDossierData
    steps: list[StepRow]
    state: str  # the case's step at ``as_of``

    @property
    def case(self) -> Case:
        return self.extract.case

    @property
    def state_label(self) -> str:
        return choice_label(CaseState, self.state)

    @property
    def items(self):
        return self.extract.items

    @property
    def transitions(self):
        return [i for i in self.extract.items if i.kind == "transition"]

    @property
    def weighing(self):
        return [i for i in self.extract.items if i.kind == "weighing"]

    @property
    def whole_entry_redactions(self) -> list[tuple]:
        """(redaction, the record's item) of each entry left out of the parent extract entirely."""
        items = {i.key: i for i in self.extract.items}
        return [(r, items.get(r.key)) for r in self.data.redactions if r.whole_entry]

    @property
    def word_redactions(self) -> list[tuple]:
        """(redaction, the record's item) of each decision about words naming another person."""
        items = {i.key: i for i in self.extract.items}
        return [(r, items.get(f"{r.entry_type}:{r.entry_id}")) for r in self.data.redactions if not r.whole_entry]


def build_staff_dossier(case: Case, *, as_of) -> StaffDossier:
    if not hasattr(case, "pupil_list"):  # (``cases.selectors.case_get_for_user`` loads them)
        case.pupil_list = list(case.pupils.select_related("class_group"))
    data = selectors.staff_dossier_data(case=case, as_of=as_of)
    extract = extract_rules.build_extract(
        case=case, timeline=data.timeline, redactions=data.redactions, contact_persons=[], rules=extract_rules.STAFF
    )
    state = data.entered_states[-1] if data.entered_states else case.state
    steps = step_overview(state=state, route=case.route, entered=data.entered_states)
    return StaffDossier(extract=extract, data=data, steps=steps, state=state)
