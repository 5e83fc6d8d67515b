"""The limit on new records per user (issue 18): a flood of records (300 long signals in a minute) made the parent
extract unusable. Every record of the chronology goes through ``cases.services.chronology.save_entry``, which counts
the user's records of the last hour in the database (so the limit holds across the application's processes) and
refuses one more with a Dutch message; the form keeps what the user typed and nothing is stored."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import records, services
from cases.models import AuditEvent, Consultation, Signal, Transition
from cases.models.base import Entry
from cases.services.chronology import records_in_the_last_hour
from tests import factories
from tests.cases.test_record_rules import signal_form_data

LIMIT = 12


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.MELDCODE_RECORDS_PER_HOUR = LIMIT


def fill(case, author, n: int, *, ago=datetime.timedelta(minutes=5)) -> None:
    """``n`` signals by ``author`` on ``case``, stored directly (append-only models may be created), ``ago`` ago."""
    at = timezone.now() - ago
    Signal.objects.bulk_create(
        [Signal(case=case, author=author, recorded_at=at, **factories.signal_data()) for _ in range(n)]
    )


def snapshot(case):
    return (
        Signal.objects.filter(case=case).count(),
        Consultation.objects.filter(case=case).count(),
        AuditEvent.objects.filter(case=case, action=AuditEvent.Action.CREATE).count(),
    )


def test_the_default_is_sixty_an_hour():
    from meldcode import settings as project_settings

    assert project_settings.MELDCODE_RECORDS_PER_HOUR == 60


def test_every_kind_of_record_counts(cast_a):
    case = factories.case_in_state(cast_a, "consulting")  # the teacher's opening signal
    assert records_in_the_last_hour(cast_a.teacher) == 1
    factories.add_consultation(cast_a.ib, case)
    assert records_in_the_last_hour(cast_a.ib) == 1
    fill(case, cast_a.ib, 3)
    fill(case, cast_a.ib, 4, ago=datetime.timedelta(minutes=61))  # older than an hour: not counted
    assert records_in_the_last_hour(cast_a.ib) == 4
    # Every kind of the registry but the step changes (which the state machine bounds) is an entry: all count.
    counted = {kind.model for kind in records.KINDS.values() if issubclass(kind.model, Entry)}
    assert counted | {Transition} == {kind.model for kind in records.KINDS.values()}


def test_allowed_at_the_limit_and_refused_one_over_it_with_the_form_kept(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    fill(case, cast_a.ib, LIMIT - 1)
    client = client_for(cast_a.ib)
    url = reverse("cases:signal-add", kwargs={"pk": case.pk})

    allowed = client.post(url, signal_form_data(description="Nummer twaalf."))
    assert allowed.status_code == 302
    assert Signal.objects.filter(case=case, description="Nummer twaalf.").exists()
    assert records_in_the_last_hour(cast_a.ib) == LIMIT

    before = snapshot(case)
    refused = client.post(url, signal_form_data(description="Nummer dertien, niet bewaard."))

    assert refused.status_code == 200
    html = refused.content.decode()
    assert f"U heeft het afgelopen uur al {LIMIT} vastleggingen gedaan" in html
    assert "Nummer dertien, niet bewaard." in html  # the form keeps what was typed
    assert snapshot(case) == before  # nothing stored, no audit row
    assert not Signal.objects.filter(description="Nummer dertien, niet bewaard.").exists()


def test_another_user_is_not_affected(cast_a, client_for):
    case = factories.case_in_state(cast_a, "consulting")
    fill(case, cast_a.ib, LIMIT)
    with pytest.raises(ValidationError):
        services.signal_record(user=cast_a.ib, case=case, signal=factories.make_signal())

    response = client_for(cast_a.af).post(
        reverse("cases:signal-add", kwargs={"pk": case.pk}), signal_form_data(description="Van de AF.")
    )
    assert response.status_code == 302
    assert Signal.objects.filter(case=case, author=cast_a.af, description="Van de AF.").exists()


def test_records_older_than_an_hour_free_the_limit(cast_a):
    case = factories.case_in_state(cast_a, "consulting")
    fill(case, cast_a.ib, LIMIT, ago=datetime.timedelta(minutes=61))
    services.signal_record(user=cast_a.ib, case=case, signal=factories.make_signal(description="Weer toegestaan."))
    assert Signal.objects.filter(case=case, description="Weer toegestaan.").exists()


def test_opening_a_case_over_the_limit_stores_no_case(cast_a, client_for):
    from cases.models import Case

    case = factories.case_in_state(cast_a, "consulting")
    fill(case, cast_a.teacher, LIMIT)
    cases_before = Case.objects.count()
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    with pytest.raises(ValidationError) as refused:
        factories.open_case(cast_a.teacher, pupil)
    assert "vastleggingen" in " ".join(refused.value.messages)
    assert Case.objects.count() == cases_before
