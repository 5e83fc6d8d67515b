"""Restricted records by role (cases/visibility.py): what a teacher, an internal contact person, an IB'er and an
aandachtsfunctionaris may read of a case's chronology (domain.md §2, §3 "Veilig Thuis outcome", §9.3).
The table-driven check over every kind × role is in tests/test_permission_matrix.py; here the findings of issue 18
as they were reported, and the rendered-item cache."""

import pytest
from django.core.cache import caches

from cases import fragments, services
from cases.models import Case, Consultation, Signal, VeiligThuisOutcome, VeiligThuisReport
from tests import factories
from tests.cases.test_records import case_with_every_kind
from tests.rows import marker

VT_DECIDED = "Veilig Thuis heeft een besluit genomen"


@pytest.fixture(autouse=True)
def _empty_fragment_cache():
    caches[fragments.CACHE_ALIAS].clear()
    yield
    caches[fragments.CACHE_ALIAS].clear()


def page_of(client, case, page="alle") -> str:
    response = client.get(f"/dossiers/{case.pk}/?pagina={page}")
    assert response.status_code == 200
    return response.content.decode()


# --- Finding 7: a teacher read the restricted Veilig Thuis information ----------------------------------------------


def test_finding_7_the_class_teacher_reads_only_that_veilig_thuis_decided(cast_a, client_for):
    case, _rows = case_with_every_kind(cast_a)
    page = page_of(client_for(cast_a.teacher), case)
    for name in ("expectations", "receiving_organisation", "receiving_contact"):
        assert marker(VeiligThuisOutcome, name) not in page, name
    assert marker(VeiligThuisReport, "vt_reference") not in page
    assert marker(VeiligThuisReport, "vt_contact") not in page
    assert VT_DECIDED in page
    # the aandachtsfunctionaris reads all of it
    page = page_of(client_for(cast_a.af), case)
    for name in ("expectations", "receiving_organisation", "receiving_contact"):
        assert marker(VeiligThuisOutcome, name) in page, name
    assert marker(VeiligThuisReport, "vt_reference") in page


def test_a_fragment_rendered_for_one_role_is_never_served_to_another(cast_a, client_for):
    case, _rows = case_with_every_kind(cast_a)
    assert marker(VeiligThuisOutcome, "expectations") in page_of(client_for(cast_a.af), case)  # cached now
    assert marker(VeiligThuisOutcome, "expectations") not in page_of(client_for(cast_a.teacher), case)
    assert marker(VeiligThuisOutcome, "expectations") in page_of(client_for(cast_a.af), case)


# --- Finding 9: an internal contact person who opened a case read everything afterwards -----------------------------


def test_finding_9_the_contact_person_reads_only_their_own_entries(cast_a, client_for):
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.contact_person, pupil, description="Vertelde mij over ruzie thuis.")
    factories.advance(cast_a.contact_person, case, "to_consulting")
    factories.add_consultation(cast_a.ib, case, advice="Advies: wijkteam inschakelen.")
    services.signal_record(
        user=cast_a.teacher,
        case=Case.objects.get(pk=case.pk),
        signal=factories.make_signal(description="Blauwe plek op de arm gezien."),
    )
    assert Signal.objects.filter(case=case).count() == 2
    client = client_for(cast_a.contact_person)
    for page in ("alle", "1"):
        html = page_of(client, case, page)
        assert "Vertelde mij over ruzie thuis." in html
        assert "Blauwe plek op de arm gezien." not in html
        assert "Advies: wijkteam inschakelen." not in html
    response = client.get(f"/dossiers/{case.pk}/")
    assert response.context["case"].get_state_display() in response.content.decode()  # the case's step
    from cases import visibility

    items = response.context["timeline"].items
    assert {visibility.author_id(item.entry) for item in items} == {cast_a.contact_person.pk}
    assert {item.kind for item in items} == {"signal", "transition"}  # their signal, the steps they made
    assert response.context["timeline"].total == len(items) == 3
    # the IB'er reads everything
    html = page_of(client_for(cast_a.ib), case)
    assert "Blauwe plek op de arm gezien." in html and "Advies: wijkteam inschakelen." in html


def test_the_reader_of_a_case_is_the_widest_role_held_at_its_school(cast_a, cast_b):
    from cases import visibility

    case = factories.open_case(cast_a.teacher, factories.PupilFactory(class_group=cast_a.group1))
    assert visibility.reader_for(cast_a.af, case).role == "af"
    assert visibility.reader_for(cast_a.teacher, case).role == "teacher"
    assert visibility.reader_for(cast_b.af, case).role is None  # another school: reads nothing
    factories.MembershipFactory(user=cast_a.contact_person, school=cast_a.school, role="ib")
    cast_a.contact_person.__dict__.pop("_meldcode_memberships", None)
    assert visibility.reader_for(cast_a.contact_person, case).role == "ib"


def test_every_restriction_names_a_registered_kind_and_real_fields_with_a_reason():
    from cases import records, visibility

    for kind, rule in visibility.RULES.items():
        assert kind in records.KINDS, kind
        assert str(rule.reason) and str(rule.summary)
        for name in rule.withheld:
            records.KINDS[kind].model._meta.get_field(name)
        assert rule.full_readers <= set(visibility.READER_ROLES)
    assert str(visibility.OWN_ENTRIES_ONLY_REASON)


def test_consultations_are_not_read_by_the_contact_person_even_when_listed(cast_a):
    from cases import visibility

    reader = visibility.Reader(role="contact_person", user_id=cast_a.contact_person.pk)
    assert visibility.level(reader, "consultation", Consultation(author_id=cast_a.ib.pk)) == visibility.HIDDEN
    assert visibility.level(reader, "consultation", Consultation(author_id=cast_a.contact_person.pk)) == visibility.FULL


def test_the_contact_person_sees_no_deadlines_of_the_case_they_opened(cast_a, client_for):
    """A deadline names the record it follows from (here: a request of the parents): not for the contact person,
    on the case page, the case list (and its htmx results) or the start page."""
    from cases.models import AccessRequest
    from schools.models import Guardian, Pupil
    from tests.rows import make_row

    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.contact_person, pupil)
    guardian = factories.GuardianFactory(pupil=pupil)
    make_row(AccessRequest, given={Case: case, type(cast_a.ib): cast_a.ib, Pupil: pupil, Guardian: guardian})
    pages = [f"/dossiers/{case.pk}/", "/dossiers/", f"/start/{cast_a.school.pk}/contact_person/"]
    ib = client_for(cast_a.ib)
    assert 'class="deadlines"' in ib.get("/dossiers/").content.decode()
    assert 'class="deadlines"' in ib.get(f"/dossiers/{case.pk}/").content.decode()
    client = client_for(cast_a.contact_person)
    for url in pages:
        html = client.get(url).content.decode()
        assert str(case.reference) in html or f"/dossiers/{case.pk}/" in html, url
        assert 'class="deadlines"' not in html, url
    htmx = client.get("/dossiers/", headers={"HX-Request": "true"}).content.decode()
    assert f"/dossiers/{case.pk}/" in htmx and 'class="deadlines"' not in htmx


def test_a_correction_or_a_follow_up_opens_only_on_an_entry_the_user_may_read(cast_a, client_for):
    """The correction form starts with the earlier entry's values, the follow-up page shows the signal: the contact
    person may open them on their own signal, not on a colleague's."""
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case = factories.open_case(cast_a.contact_person, pupil, description="Eigen melding van de contactpersoon.")
    own = Signal.objects.get(case=case)
    other = services.signal_record(
        user=cast_a.teacher, case=case, signal=factories.make_signal(description="Melding van de leerkracht.")
    )
    client = client_for(cast_a.contact_person)
    assert client.get(f"/dossiers/{case.pk}/signaal/nieuw/?corrigeert={other.pk}").status_code == 404
    assert client.get(f"/dossiers/{case.pk}/signaal/{other.pk}/bevestigd-ontkracht/").status_code == 404
    response = client.get(f"/dossiers/{case.pk}/signaal/nieuw/?corrigeert={own.pk}")
    assert "Eigen melding van de contactpersoon." in response.content.decode()
    assert client.get(f"/dossiers/{case.pk}/signaal/{own.pk}/bevestigd-ontkracht/").status_code == 200
    teacher = client_for(cast_a.teacher)
    assert teacher.get(f"/dossiers/{case.pk}/signaal/nieuw/?corrigeert={own.pk}").status_code == 200


def test_the_extract_preview_shows_its_reader_only_what_the_role_table_lets_them_read(cast_a, client_for):
    """The IB'er prepares the extract but does not read the staff route: the police decision's 'report made' is
    not in their preview; the aandachtsfunctionaris's preview and the extract itself (no reader) keep it."""
    from cases import selectors, visibility
    from cases.models import PoliceDecision
    from dossier import extract as extract_rules
    from dossier import selectors as dossier_selectors

    case, rows = case_with_every_kind(cast_a)
    police = rows["police"]
    assert isinstance(police, PoliceDecision)
    case = selectors.case_get_for_user(user=cast_a.af, case_id=case.pk)
    data = dossier_selectors.case_extract_data(case=case)

    def shown(reader):
        built = extract_rules.build_extract(
            case=case,
            timeline=data.timeline,
            redactions=data.redactions,
            contact_persons=data.contact_persons,
            reader=reader,
        )
        (item,) = [i for i in built.items if i.kind == "police"]
        return item.shown.allows("report_made")

    assert shown(None)
    assert shown(visibility.reader_for(cast_a.af, case))
    assert not shown(visibility.reader_for(cast_a.ib, case))
    for user, allowed in ((cast_a.ib, False), (cast_a.af, True)):
        preview = client_for(user).get(f"/dossiers/{case.pk}/uittreksel/")
        (item,) = [i for i in preview.context["extract"].items if i.kind == "police"]
        assert item.shown.allows("report_made") is allowed
