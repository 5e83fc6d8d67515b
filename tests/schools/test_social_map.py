"""The social map (domain.md §3): national entries, the board's and the school's own; every staff member of the
school reads it, the aandachtsfunctionaris and the IB'er keep the school's own entries; consultations and reports
pick the partner from the case's school's map — never another school's."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cases.models import Consultation
from schools.models import PartnerKind, SocialMapEntry
from tests import factories


@pytest.fixture
def maps(cast_a, cast_b):
    """School A and B share a board (the cast); a third school has another board."""
    board = cast_a.school.board
    other_board_school = factories.SchoolFactory()
    return {
        "board": SocialMapEntry.objects.create(
            board=board, kind=PartnerKind.SCHOOL_SOCIAL_WORK, organisation="SMW Stichting Proef", phone="010-1111111"
        ),
        "a": SocialMapEntry.objects.create(
            school=cast_a.school, kind=PartnerKind.LOCAL_TEAM, organisation="Wijkteam Vlinderwijk", phone="010-2222222"
        ),
        "b": SocialMapEntry.objects.create(
            school=cast_b.school, kind=PartnerKind.LOCAL_TEAM, organisation="Wijkteam Zeilhaven", phone="010-3333333"
        ),
        "other_board": SocialMapEntry.objects.create(
            board=other_board_school.board, kind=PartnerKind.SCHOOL_DOCTOR, organisation="GGD Elders", phone="1"
        ),
    }


def names(response) -> set[str]:
    return {e.organisation for e in response.context["entries"]}


def test_a_teacher_reads_the_national_board_and_own_entries_only(cast_a, maps, client_for):
    response = client_for(cast_a.teacher).get(reverse("schools:social-map", kwargs={"school_id": cast_a.school.pk}))
    assert response.status_code == 200
    shown = names(response)
    assert {"Veilig Thuis", "Alarmnummer 112", "SMW Stichting Proef", "Wijkteam Vlinderwijk"} <= shown
    assert "Wijkteam Zeilhaven" not in shown and "GGD Elders" not in shown
    assert "0800-2000" in response.content.decode() and "0900-1113111" in response.content.decode()
    # The locally organised partner still missing is shown as a placeholder to fill in.
    assert [k.value for k in response.context["missing"]] == [PartnerKind.SCHOOL_DOCTOR]
    assert not response.context["can_edit"]
    assert "Wijzigen" not in response.content.decode()


def test_the_af_adds_an_entry_and_the_form_keeps_the_input_on_errors(cast_a, maps, client_for):
    url = reverse("schools:social-map-add", kwargs={"school_id": cast_a.school.pk})
    data = {"kind": "school_doctor", "organisation": "JGZ Proefregio", "region": "West", "phone": "", "email": ""}
    response = client_for(cast_a.af).post(url, data)
    assert response.status_code == 200
    assert "Geef minstens een telefoonnummer" in response.content.decode()
    assert 'value="JGZ Proefregio"' in response.content.decode()
    assert not SocialMapEntry.objects.filter(organisation="JGZ Proefregio").exists()

    response = client_for(cast_a.af).post(url, {**data, "phone": "088-1234567", "active": "on"})
    assert response.status_code == 302
    entry = SocialMapEntry.objects.get(organisation="JGZ Proefregio")
    assert (entry.school, entry.board, entry.active) == (cast_a.school, None, True)


def test_only_the_schools_own_entries_can_be_changed_and_deactivating_removes_them_from_the_choice(
    cast_a, cast_b, maps, client_for
):
    af = client_for(cast_a.af)
    for entry in (maps["board"], maps["b"], maps["other_board"]):
        url = reverse("schools:social-map-edit", kwargs={"school_id": cast_a.school.pk, "entry_id": entry.pk})
        assert af.post(url, {"kind": "other", "organisation": "Gekaapt", "phone": "1"}).status_code == 404
    assert not SocialMapEntry.objects.filter(organisation="Gekaapt").exists()
    teacher_url = reverse("schools:social-map-edit", kwargs={"school_id": cast_a.school.pk, "entry_id": maps["a"].pk})
    assert (
        client_for(cast_a.teacher).post(teacher_url, {"kind": "other", "organisation": "X", "phone": "1"}).status_code
        == 403
    )
    assert client_for(cast_b.af).get(teacher_url).status_code == 404

    response = af.post(
        teacher_url, {"kind": "local_team", "organisation": "Wijkteam Vlinderwijk", "phone": "010-2222222"}
    )
    assert response.status_code == 302
    assert not SocialMapEntry.objects.get(pk=maps["a"].pk).active
    case = factories.case_in_state(cast_a, "consulting")
    form = client_for(cast_a.ib).get(reverse("cases:consultation-add", kwargs={"pk": case.pk})).context["form"]
    assert maps["a"] not in set(form.fields["partner"].queryset)


def test_a_consultation_picks_the_partner_from_its_schools_map_and_the_chronology_shows_it(cast_a, maps, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    ib = client_for(cast_a.ib)
    url = reverse("cases:consultation-add", kwargs={"pk": case.pk})
    choices = set(ib.get(url).context["form"].fields["partner"].queryset)
    assert {maps["a"], maps["board"]} <= choices
    assert maps["b"] not in choices and maps["other_board"] not in choices
    data = {
        "kind": "colleague",
        "held_on": "2026-11-03",
        "participants": "IB'er, wijkteam",
        "question": "Wat kan het wijkteam bieden?",
        "advice": "Gezin aanmelden bij het wijkteam.",
        "sharing": "consent",
        "acties-TOTAL_FORMS": "0",
        "acties-INITIAL_FORMS": "0",
    }
    # Another school's partner is not a valid choice: the form again, with the input, nothing recorded.
    response = ib.post(url, {**data, "partner": maps["b"].pk})
    assert response.status_code == 200 and "partner" in response.context["form"].errors
    assert "Wat kan het wijkteam bieden?" in response.content.decode()
    assert not Consultation.objects.filter(case=case, partner__isnull=False).exists()

    assert ib.post(url, {**data, "partner": maps["a"].pk}).status_code == 302
    assert Consultation.objects.get(case=case, partner__isnull=False).partner == maps["a"]
    page = ib.get(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    assert "Wijkteam Vlinderwijk" in page.content.decode()


def test_the_service_refuses_another_schools_partner(cast_a, maps):
    case = factories.case_in_state(cast_a, "consulting")
    with pytest.raises(PermissionDenied):
        factories.add_consultation(cast_a.ib, case, partner=maps["b"])
    assert not Consultation.objects.filter(case=case, partner=maps["b"]).exists()


def test_a_veilig_thuis_report_offers_only_veilig_thuis(cast_a, maps, client_for):
    case = factories.case_in_state(cast_a, "weighing")
    from tests.cases.test_decision import weigh

    weigh(cast_a.af, case, "B", "yes")
    form = (
        client_for(cast_a.af)
        .get(reverse("cases:case-action", kwargs={"pk": case.pk, "action": "report"}))
        .context["form"]
    )
    assert {e.kind for e in form.fields["partner"].queryset} == {PartnerKind.VEILIG_THUIS}
