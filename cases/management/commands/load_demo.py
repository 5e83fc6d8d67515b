import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction

from cases import access, permissions, services
from cases.models import Case, Consultation, ParentConversation, ParentView, Pupil, Signal, User

DEMO_FIXTURES = ["demo.json"]


class Command(BaseCommand):
    help = "Load the fictional demo board, schools, staff, pupils and a few cases. Safe to repeat."

    def handle(self, *args, **options):
        fixtures_dir = Path(settings.BASE_DIR) / "fixtures"
        with transaction.atomic():
            for name in DEMO_FIXTURES:
                call_command("loaddata", str(fixtures_dir / name), verbosity=0)
            access.sync_all()
            if not Case.objects.exists():
                demo_cases()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))


def _signal(**fields) -> Signal:
    base = {
        "observed_time": None,
        "others_present": "",
        "frequency": "once",
        "source": "own",
        "categories": [],
        "items": [],
    }
    return Signal(**{**base, **fields})


def demo_cases() -> None:
    """A few fictional cases at school A in steps 1-4, made through the services like real ones."""
    teacher = User.objects.get(username="leerkracht-a1")
    teacher5 = User.objects.get(username="leerkracht-a2")
    ib = User.objects.get(username="ib-a")
    pupils3 = list(Pupil.objects.filter(class_group__name="groep 3", school__brin="99XA").order_by("pk"))
    pupils5 = list(Pupil.objects.filter(class_group__name="groep 5", school__brin="99XA").order_by("pk"))

    # Step 1: a signal just recorded.
    services.case_open(
        user=teacher,
        school=pupils3[0].school,
        pupils=[pupils3[0]],
        route="A",
        signal=_signal(
            observed_on=datetime.date(2026, 11, 23),
            place="klaslokaal",
            situation="Kringgesprek op maandagochtend.",
            kind="child_words",
            description='"Papa was heel boos en toen ben ik onder het bed gaan liggen."',
            categories=["witnessing"],
        ),
    )

    # Step 2: handed over for consultation.
    case2 = services.case_open(
        user=teacher5,
        school=pupils5[1].school,
        pupils=[pupils5[1]],
        route="A",
        signal=_signal(
            observed_on=datetime.date(2026, 11, 10),
            observed_time=datetime.time(8, 40),
            place="schoolplein",
            situation="Bij binnenkomst, 's ochtends.",
            others_present="R.S.",
            kind="fact",
            description=(
                "Kind komt voor de derde keer deze week zonder jas binnen bij 3 graden; "
                "heeft volgens eigen zeggen niet ontbeten."
            ),
            frequency="repeatedly",
            frequency_count=3,
            frequency_period="deze week",
            categories=["physical", "parent"],
            items=["physical.hungry", "parent.clothing"],
        ),
    )
    services.case_transition(user=teacher5, case_id=case2.pk, name="to_consulting", expected_state="signalling")

    # Step 3: consulted, conversation with the parents being prepared.
    case3 = services.case_open(
        user=teacher,
        school=pupils3[2].school,
        pupils=[pupils3[2]],
        route="A",
        signal=_signal(
            observed_on=datetime.date(2026, 10, 28),
            place="gymzaal",
            situation="Omkleden voor de gymles.",
            kind="fact",
            description="Twee blauwe plekken van ongeveer 3 cm op de bovenarm, aan de binnenkant.",
            categories=["physical"],
            items=["physical.bruises"],
        ),
    )
    services.case_transition(user=teacher, case_id=case3.pk, name="to_consulting", expected_state="signalling")
    services.entry_record(
        user=ib,
        case=case3,
        entry=Consultation(
            kind="colleague",
            held_on=datetime.date(2026, 10, 30),
            participants="IB'er, leerkracht groep 3",
            question="Zijn de plekken passend bij spel, of reden voor zorg?",
            advice="Plekken op deze plaats passen niet goed bij spel. Gesprek met ouders plannen; kindcheck doen.",
        ),
        permission=permissions.CONSULT,
    )
    services.case_transition(user=ib, case_id=case3.pk, name="to_parent_talk", expected_state="consulting")

    # Step 4: conversation held, handed over for weighing.
    case4 = services.case_open(
        user=teacher5,
        school=pupils5[3].school,
        pupils=[pupils5[3]],
        route="A",
        signal=_signal(
            observed_on=datetime.date(2026, 10, 6),
            place="klaslokaal",
            situation="Tijdens het zelfstandig werken.",
            kind="fact",
            description="Valt drie keer in slaap tijdens de les; zegt dat ze 's nachts wakker wordt van geschreeuw.",
            frequency="repeatedly",
            frequency_count=3,
            frequency_period="twee weken",
            categories=["physical", "witnessing"],
            items=["physical.tired"],
        ),
    )
    services.case_transition(user=teacher5, case_id=case4.pk, name="to_consulting", expected_state="signalling")
    services.entry_record(
        user=ib,
        case=case4,
        entry=Consultation(
            kind="vt_advice",
            held_on=datetime.date(2026, 10, 12),
            participants="IB'er; adviseur Veilig Thuis (telefonisch)",
            organisation="Veilig Thuis",
            question="Hoe bespreken we de signalen van mogelijk huiselijk geweld met de ouders?",
            advice="Gesprek met beide ouders, signalen feitelijk benoemen, vragen naar de thuissituatie.",
            family_anonymous=True,
            vt_points=["nature", "minors", "discuss"],
            vt_registration="anonymous",
        ),
        permission=permissions.CONSULT,
    )
    services.case_transition(user=ib, case_id=case4.pk, name="to_parent_talk", expected_state="consulting")
    conversation = services.entry_record(
        user=ib,
        case=case4,
        entry=ParentConversation(
            held_on=datetime.date(2026, 10, 20),
            attendees="moeder, vader, IB'er, leerkracht groep 5",
            purpose_explained=True,
            recognition="partly",
            reaction="Moeder herkent de vermoeidheid; vader zegt dat het thuis rustig is.",
            explanation="Er zijn zorgen over werk en geld; de ouders maken vaker ruzie.",
            agreements="School houdt de ouders wekelijks op de hoogte; ouders melden zich bij het wijkteam.",
            school_measures="Rustplek in de klas aangeboden.",
            report="Verslag: de signalen zijn feitelijk besproken. Ouders herkennen de vermoeidheid gedeeltelijk.",
        ),
        permission=permissions.TALK_PARENTS,
    )
    services.entry_record(
        user=ib,
        case=case4,
        entry=ParentView(
            conversation=conversation,
            given_by="moeder",
            given_on=datetime.date(2026, 10, 20),
            text="Wij vinden dat de school te snel conclusies trekt. Het gaat thuis beter dan het lijkt.",
        ),
        permission=permissions.TALK_PARENTS,
    )
    services.case_transition(user=ib, case_id=case4.pk, name="to_weighing", expected_state="parent_talk")
