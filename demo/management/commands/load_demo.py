import base64
import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cases import access, deadlines, decision, permissions, services
from cases.models import (
    AccessRequest,
    BoardNotification,
    Case,
    Closure,
    Consultation,
    HelpEvaluation,
    HelpPlan,
    InspectorConsultation,
    MonitoringAgreement,
    ParentConversation,
    ParentView,
    PoliceDecision,
    Signal,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from dossier import services as dossier_services
from schools.models import Board, PartnerKind, Pupil, School, SocialMapEntry
from schools.social_map_defaults import fill_national_entries

DEMO_FIXTURES = ["demo.json"]

# Fixed, documented TOTP secrets (base32) for the demo users who need a second factor (README "Demo logins"). They
# exist only in the demo data: add one to an authenticator app, or print the current code with
# ``manage.py demo_code <username>``. Teachers and contact persons stay password-only in the demo.
DEMO_TOTP_SECRETS = {
    "ib-a": "QVK74F6WJMXZPJPQCQRKY6LWU6ZUTNMI",
    "af-a": "C5ZTGM5WU773ZKUHIIF2W22D6I466FJF",
    "ib-b": "V7TWBFPP56735RZFNDOOXU2OLOFKNYOR",
    "af-b": "ULQVBCEMTIBSGNXYP4ABMM7NCCNGM4V3",
    "combi": "RGURUWPIZBSFLG7TX7RBYDNSTKRGON2X",
    "beheerder": "4V7WVTLJOBTGRRXVVLVHSFOBADJTUO5G",
    "bestuur": "WCOF7LHBZVHNONELHV737EVJZ33VPKDI",
}


class Command(BaseCommand):
    help = "Load the fictional demo board, schools, staff, pupils and a few cases. Safe to repeat."

    def handle(self, *args, **options):
        fixtures_dir = Path(settings.BASE_DIR) / "fixtures"
        with transaction.atomic():
            for name in DEMO_FIXTURES:
                call_command("loaddata", str(fixtures_dir / name), verbosity=0)
            access.sync_all()
            demo_social_map()
            demo_second_factors()
            if not Case.objects.exists():
                demo_cases()
                demo_cases_steps_4_5()
                demo_retention_and_requests()
            deadlines.refresh_next_due()  # some demo records are dated in the past, after the services stored them
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))


def demo_second_factors() -> None:
    """The demo users' authenticator devices with the fixed secrets above (made again if they were reset)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import DEMO_DEVICE_NAME

    for username, secret in DEMO_TOTP_SECRETS.items():
        user = User.objects.get(username=username)
        key = base64.b32decode(secret).hex()
        device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).first()
        if device is None or device.key != key or not device.confirmed:
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key, confirmed=True)


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
            sharing="internal",
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
            sharing="anonymous",
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


def _walk_to_weighing(teacher: User, ib: User, pupil: Pupil, description: str, route: str = "A") -> Case:
    case = services.case_open(
        user=teacher,
        school=pupil.school,
        pupils=[pupil],
        route=route,
        signal=_signal(
            observed_on=datetime.date(2026, 9, 15),
            place="klaslokaal",
            situation="Tijdens de les.",
            kind="fact",
            description=description,
            categories=["behaviour"],
        ),
    )
    services.case_transition(user=teacher, case_id=case.pk, name="to_consulting", expected_state="signalling")
    services.entry_record(
        user=ib,
        case=case,
        entry=Consultation(
            kind="cvb",
            held_on=datetime.date(2026, 9, 20),
            participants="IB'er, leerkracht, orthopedagoog",
            question="Wat zien we en wat is de volgende stap?",
            advice="Gesprek met ouders voeren.",
            sharing="internal",
        ),
        permission=permissions.CONSULT,
    )
    services.case_transition(user=ib, case_id=case.pk, name="to_parent_talk", expected_state="consulting")
    services.entry_record(
        user=ib,
        case=case,
        entry=ParentConversation(
            held_on=datetime.date(2026, 9, 25),
            attendees="moeder, IB'er, leerkracht",
            purpose_explained=True,
            recognition="yes",
            reaction="Moeder herkent het beeld.",
            report="Verslag: signalen besproken; moeder herkent ze.",
        ),
        permission=permissions.TALK_PARENTS,
    )
    services.case_transition(user=ib, case_id=case.pk, name="to_weighing", expected_state="parent_talk")
    return case


def _answer(af: User, case: Case, *answers: str) -> None:
    for number, answer in enumerate(answers, start=1):
        services.weighing_answer_record(
            user=af,
            case=case,
            answer=WeighingAnswer(
                question=number,
                answer=answer,
                justification="Afgewogen op basis van de stappen 1 tot en met 3.",
                board_informed_on=datetime.date(2026, 10, 1)
                if number == 1 and answer == decision.Q1_SUSPICION
                else None,
            ),
        )


def _report(**extra) -> VeiligThuisReport:
    return VeiligThuisReport(
        reported_at=timezone.now() - datetime.timedelta(days=10),
        channel="phone",
        vt_contact="medewerker Veilig Thuis",
        relation_to_family="Leerkracht en IB'er van het kind",
        direct_cause="Aanhoudende signalen ondanks gesprekken met de ouders.",
        nature_frequency_severity="Herhaalde blauwe plekken en vermoeidheid, sinds september.",
        parents_informed=True,
        parents_informed_on=datetime.date(2026, 10, 5),
        parents_reaction="Ouders zijn boos maar begrijpen de stap.",
        feedback_agreed_on=datetime.date(2026, 12, 15),
        meldrecht_acknowledged=True,
        **extra,
    )


def _plan(ib: User) -> tuple[HelpPlan, list[dict]]:
    plan = HelpPlan(
        case_manager=ib,
        roles="IB'er is casemanager; wijkteam begeleidt het gezin.",
        measurable_result="Kind komt uitgerust en op tijd op school, vier weken achter elkaar.",
        evaluation_on=timezone.localdate() + datetime.timedelta(days=30),
        parents_accept="yes",
    )
    return plan, [{"who": "IB'er", "what": "Aanmelding bij het wijkteam", "due_on": datetime.date(2026, 12, 15)}]


def demo_cases_steps_4_5() -> None:
    """More fictional cases, so that the demo has a case standing in every state of the meldcode."""
    school_b_teacher = User.objects.get(username="leerkracht-b1")
    af_b = User.objects.get(username="af-b")
    teacher7 = User.objects.get(username="leerkracht-a3")
    ib, af = User.objects.get(username="ib-a"), User.objects.get(username="af-a")
    pupils7 = list(Pupil.objects.filter(class_group__name="groep 7", school__brin="99XA").order_by("pk"))
    pupils_b = list(Pupil.objects.filter(class_group__name="groep 4", school__brin="99XB").order_by("pk"))

    # help: question 4 = yes, help plan started.
    case = _walk_to_weighing(teacher7, ib, pupils7[0], "Komt regelmatig zonder lunch en met vieze kleren.")
    _answer(af, case, "B", "no", "yes", "yes")
    plan, tasks = _plan(ib)
    services.help_plan_start(user=af, case=case, plan=plan, tasks=tasks, expected_state="weighing")

    # evaluating: the help was evaluated and reached its result.
    case = _walk_to_weighing(teacher7, ib, pupils7[1], "Zegt vaak buikpijn te hebben op maandag.")
    _answer(af, case, "B", "no", "yes", "yes")
    plan, tasks = _plan(ib)
    services.help_plan_start(user=af, case=case, plan=plan, tasks=tasks, expected_state="weighing")
    services.help_evaluate(
        user=af,
        case=case,
        evaluation=HelpEvaluation(
            plan=plan,
            evaluated_on=timezone.localdate(),
            result_reached=True,
            findings="Rustiger.",
            early_reason="Tussentijdse evaluatie: het doel is eerder bereikt dan verwacht.",
        ),
        expected_state="help",
    )

    # monitoring: after the evaluation.
    case = _walk_to_weighing(teacher7, ib, pupils7[2], "Valt in slaap in de klas.")
    _answer(af, case, "B", "no", "yes", "yes")
    plan, tasks = _plan(ib)
    services.help_plan_start(user=af, case=case, plan=plan, tasks=tasks, expected_state="weighing")
    services.help_evaluate(
        user=af,
        case=case,
        evaluation=HelpEvaluation(
            plan=plan,
            evaluated_on=timezone.localdate(),
            result_reached=True,
            findings="Beter.",
            early_reason="Tussentijdse evaluatie: het doel is eerder bereikt dan verwacht.",
        ),
        expected_state="help",
    )
    services.monitoring_start(
        user=af,
        case=case,
        agreement=MonitoringAgreement(
            what="Welzijn en aanwezigheid",
            who="leerkracht groep 7",
            how_often="wekelijks",
            until=datetime.date(2027, 3, 1),
        ),
        expected_state="evaluating",
    )

    # reported: question 2 = doubt → report at once.
    case = _walk_to_weighing(teacher7, ib, pupils7[3], "Vertelt dat ze thuis niet mag eten als ze stout is.")
    _answer(af, case, "B", "doubt")
    services.case_report(
        user=af,
        case=case,
        report=_report(),
        expected_state="weighing",
        informed=services.guardians_with_authority(case),
    )

    # vt_involved: reported and Veilig Thuis has decided.
    case = _walk_to_weighing(teacher7, ib, pupils7[4], "Meerdere blauwe plekken in twee weken.")
    _answer(af, case, "B", "yes")
    services.case_report(
        user=af,
        case=case,
        report=_report(),
        expected_state="weighing",
        informed=services.guardians_with_authority(case),
    )
    services.vt_outcome_record(
        user=af,
        case=case,
        outcome=VeiligThuisOutcome(
            assessed_on=timezone.localdate(),
            decision="investigation",
            expectations="School blijft signaleren en koppelt nieuwe signalen terug.",
        ),
        expected_state="reported",
    )

    # closed: question 1 = A.
    case = _walk_to_weighing(teacher7, ib, pupils7[5], "Huilde bij het ophalen.")
    _answer(af, case, "A")
    services.case_close(
        user=af,
        case=case,
        closure=Closure(
            reason_code="no_action",
            text="Na gesprek met ouders verklaard: verdriet om overleden opa. Geen actie nodig.",
            parents_told=True,
        ),
        expected_state="weighing",
    )

    # Route B at school B: board informed, inspector consulted, police report or not. The first names a colleague
    # with an account (leerkracht-b2 loses access to it: a conflict of interest), the others a description.
    suspect_b = User.objects.get(username="leerkracht-b2")
    for index, end in enumerate(["duty_to_inform", "inspector_consulted", "police_report", "no_police_report"]):
        case = services.case_open(
            user=school_b_teacher,
            school=pupils_b[index].school,
            pupils=[pupils_b[index]],
            route="B",
            suspected=[
                services.Suspect(staff_member=suspect_b)
                if index == 0
                else services.Suspect(description="J.K., invalleerkracht gym")
            ],
            signal=_signal(
                observed_on=datetime.date(2026, 11, 12),
                place="gang",
                situation="Na de gymles.",
                kind="child_words",
                description='"Meester zei dat het ons geheimpje was."',
                categories=["sexual_behaviour"],
            ),
        )
        if end == "duty_to_inform":
            continue
        services.entry_record(
            user=af_b,
            case=case,
            entry=BoardNotification(
                informed_on=datetime.date(2026, 11, 12), informed_whom="voorzitter CvB", how="telefonisch"
            ),
            permission=permissions.ROUTE_B,
        )
        services.route_b_inspector_consulted(
            user=af_b,
            case=case,
            consultation=InspectorConsultation(
                consulted_on=datetime.date(2026, 11, 13),
                inspector="vertrouwensinspecteur",
                advice="Aangifte doen; ouders en betrokkene vooraf informeren.",
                reasonable_suspicion=end != "no_police_report",
            ),
            expected_state="duty_to_inform",
        )
        if end == "inspector_consulted":
            continue
        services.route_b_police_decision(
            user=af_b,
            case=case,
            decision_record=PoliceDecision(
                report_made=end == "police_report",
                decided_on=datetime.date(2026, 11, 14),
                parents_informed_before=True,
                accused_informed_before=True,
                explanation="Besluit na advies van de vertrouwensinspecteur.",
            ),
            expected_state="inspector_consulted",
        )


# The demo board's and schools' own partners (fictional organisations and numbers), besides the national entries.
DEMO_SOCIAL_MAP = [
    (
        "board",
        PartnerKind.SCHOOL_SOCIAL_WORK,
        "Schoolmaatschappelijk werk Lindeborg",
        "Lindeborg",
        "030-1234500",
        "smw@lindeborg.example.invalid",
    ),
    (
        "board",
        PartnerKind.SCHOOL_DOCTOR,
        "GGD Regio Lindeborg — jeugdarts",
        "Lindeborg",
        "030-1234510",
        "jgz@ggd-lindeborg.example.invalid",
    ),
    (
        "99XA",
        PartnerKind.LOCAL_TEAM,
        "Wijkteam Vlinderwijk",
        "Vlinderwijk",
        "030-1234520",
        "wijkteam-vlinderwijk@example.invalid",
    ),
    (
        "99XB",
        PartnerKind.LOCAL_TEAM,
        "Sociaal team Haven-Oost",
        "Haven-Oost",
        "030-1234530",
        "sociaalteam-havenoost@example.invalid",
    ),
    ("99XB", PartnerKind.OTHER, "Centrum voor seksuele gezondheid (fictief)", "Lindeborg", "030-1234540", ""),
]


def demo_social_map() -> None:
    """The national entries and the demo board's and schools' own partners. Safe to repeat."""
    fill_national_entries(SocialMapEntry)
    board = Board.objects.order_by("pk").first()
    for owner, kind, organisation, region, phone, email in DEMO_SOCIAL_MAP:
        level = {"board": board} if owner == "board" else {"school": School.objects.get(brin=owner)}
        SocialMapEntry.objects.get_or_create(
            organisation=organisation,
            **level,
            defaults={"kind": kind, "region": region, "phone": phone, "email": email},
        )


def demo_retention_and_requests() -> None:
    """A consultation that names a partner from the social map, a parents' request waiting for an answer, and a
    closed case under a legal hold."""
    ib, af = User.objects.get(username="ib-a"), User.objects.get(username="af-a")
    school = School.objects.get(brin="99XA")
    consulting = Case.objects.filter(school=school, state="consulting").order_by("pk").first()
    if consulting is not None:
        services.entry_record(
            user=ib,
            case=consulting,
            entry=Consultation(
                kind="colleague",
                held_on=timezone.localdate(),
                participants="IB'er, medewerker wijkteam",
                partner=SocialMapEntry.objects.get(organisation="Wijkteam Vlinderwijk"),
                question="Kan het wijkteam het gezin ondersteunen bij de opvoeding?",
                advice="Ouders wijzen op het inloopspreekuur van het wijkteam.",
                sharing="consent",
            ),
            permission=permissions.CONSULT,
        )
    closed = Case.objects.filter(school=school, state="closed").order_by("pk").first()
    if closed is not None:
        guardian = closed.pupils.first().guardians.order_by("pk").first()
        dossier_services.access_request_record(
            user=af,
            case=closed,
            request=AccessRequest(
                kind=AccessRequest.Kind.INSPECTION,
                received_on=timezone.localdate() - datetime.timedelta(days=3),
                requester=guardian,
                details="Moeder wil graag zien wat er over haar zoon is vastgelegd.",
            ),
        )
        dossier_services.legal_hold_set(
            user=af, case=closed, placed=True, reason="Ouders hebben een klacht ingediend; dossier bewaren."
        )
