"""The permission matrix: every URL of the project × every role of the standard cast → the answer it gets.
The URL patterns are enumerated from Django's resolver, so a new URL without a row here makes
``test_every_url_has_a_row`` fail (in the style of pretix's permission tests).

Outcomes: 200 (the page, with the right data), 302 after a successful POST or a redirect that belongs to the view,
403 (the case is visible but the action is not allowed), 404 (not visible: another school's case, a teacher of
another group — indistinguishable from a case that does not exist), or a redirect to the login page (anonymous).
A refused request must write nothing.

Besides the matrix: no user or group holds a case permission at model level, and a model-level grant (which the
application never makes) would still not open another school's case.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from accounts import roles
from accounts.models import User
from cases import access, records, services, views
from cases import permissions as perms
from cases.models import (
    AccessRequest,
    AccessRequestHandled,
    Alert,
    AuditEvent,
    Case,
    CaseState,
    CaseTransfer,
    Consultation,
    ConversationAcknowledgement,
    Kindcheck,
    LegalHold,
    Notification,
    ParentConversation,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    ParentView,
    ReminderSent,
    Signal,
    SignalFollowUp,
    TransferRecord,
    Transition,
)
from cases.models.base import AppendOnlyModel, Entry
from dossier.models import (
    EncryptedCopy,
    ExtractJob,
    ExtractRelease,
    Redaction,
    StaffDossierJob,
    StaffDossierRelease,
)
from outbox.models import OutgoingMail
from schools.models import Guardian, Membership, PartnerKind, Pupil, Role, RoleGrant, SocialMapEntry
from tests import factories
from tests.conftest import CAST_ROLES, SchoolCast
from tests.otp import login_verified

# --- Outcomes -------------------------------------------------------------------------------------------------

OK = "200"
DONE = "302"  # a successful POST, or a redirect that is the view's own answer (checked by the row)
FORBIDDEN = "403"
HIDDEN = "404"
NOT_ALLOWED = "405"
LOGIN = "login"  # redirect to the login page with ?next=<the requested path>

STATUS = {OK: 200, DONE: 302, FORBIDDEN: 403, HIDDEN: 404, NOT_ALLOWED: 405}

ANONYMOUS = "anonymous"
ACTORS = [*(f"a.{r}" for r in CAST_ROLES), *(f"b.{r}" for r in CAST_ROLES), ANONYMOUS]
NO_SUCH_ID = 987654


# --- The world a row is checked in -----------------------------------------------------------------------------


@dataclass
class World:
    a: SchoolCast
    b: SchoolCast
    pupil: Pupil  # a pupil of group 1 at school A
    case: Case  # about ``pupil``
    signal: Signal
    conversation: ParentConversation | None = None
    skip: ParentTalkSkip | None = None
    task: object = None  # a consultation's follow-up action
    plan: object = None  # a help plan (the case in step 5, help)

    def user(self, actor: str) -> User | None:
        if actor == ANONYMOUS:
            return None
        letter, role = actor.split(".")
        return getattr(self, letter).by_role(role)

    def fresh_case(self) -> Case:
        return Case.objects.get(pk=self.case.pk)


def build_world(
    cast_a: SchoolCast,
    cast_b: SchoolCast,
    *,
    state: str = CaseState.SIGNALLING,
    opener: str = "teacher",
    consultation: bool = False,
    conversation: bool = False,
    skip: bool = False,
    task: bool = False,
    extract: bool = False,
    staff: bool = False,
    transfer: bool = False,
    outside: bool = False,
    help_plan: bool = False,
) -> World:
    """A case at school A about a pupil of group 1, opened by ``opener`` and walked to ``state`` via the services."""
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    opened_by = cast_a.by_role(opener)
    case = factories.open_case(opened_by, pupil)
    signal = Signal.objects.get(case=case)
    if state in (CaseState.CONSULTING, CaseState.PARENT_TALK, CaseState.WEIGHING):
        factories.advance(opened_by, case, "to_consulting")
    if state in (CaseState.PARENT_TALK, CaseState.WEIGHING) or consultation:
        factories.add_consultation(cast_a.ib, case)
    if state in (CaseState.PARENT_TALK, CaseState.WEIGHING):
        factories.advance(cast_a.ib, case, "to_parent_talk")
    if state == CaseState.WEIGHING:
        factories.add_conversation(cast_a.ib, case)
        factories.advance(cast_a.ib, case, "to_weighing")
    world = World(a=cast_a, b=cast_b, pupil=pupil, case=Case.objects.get(pk=case.pk), signal=signal)
    if conversation:
        world.conversation = factories.add_conversation(cast_a.ib, world.fresh_case())
    if skip:
        world.skip = services.parent_talk_skip_record(
            user=cast_a.ib,
            case=world.fresh_case(),
            skip=ParentTalkSkip(reason=ParentTalkSkip.Reason.DANGER, explanation="Vader dreigde de leerkracht."),
        )
    if help_plan:  # from weighing to the help: questions 1-4, and the help plan
        from tests.cases.test_decision import start_help

        start_help(cast_a, world.fresh_case())
        world.plan = world.fresh_case().helpplans.get()
        world.case = world.fresh_case()
    if task:
        consultation_entry = factories.add_consultation(cast_a.ib, world.fresh_case())
        services.consultation_actions_save(
            consultation_entry, [{"who": "IB'er", "what": "Wijkteam bellen", "due_on": datetime.date(2026, 12, 1)}]
        )
        world.task = consultation_entry.actions.get()
    if extract:
        # A parent extract released by the aandachtsfunctionaris: one with its PDF, and one still being prepared.
        from dossier import services as dossier_services

        dossier_services.extract_release_record(
            user=cast_a.af,
            case=world.fresh_case(),
            generated_at=world.case.opened_at,
            checksum="c" * 64,
            included=1,
            left_out=0,
            pdf=b"%PDF-1.7 uittreksel",
        )
        ExtractJob.objects.create(case=world.case, requested_by=cast_a.af)
    if staff:
        # A staff dossier released by the aandachtsfunctionaris (with its PDF), and one still being prepared.
        StaffDossierRelease.objects.create(
            case=world.case,
            number=1,
            reference=f"{world.case.reference}-V1",
            recipient="Inspectie van het Onderwijs",
            purpose="inspection",
            released_by=cast_a.af,
            checksum="d" * 64,
            pdf=b"%PDF-1.7 dossier medewerkers",
        )
        StaffDossierJob.objects.create(
            case=world.case, number=2, recipient="Veilig Thuis", purpose="veilig_thuis", requested_by=cast_a.af
        )
    if transfer:
        # The aandachtsfunctionaris of school A asked school B (same board) to take the case over.
        from dossier import transfer as transfer_services

        transfer_services.transfer_request(
            user=cast_a.af,
            case=world.fresh_case(),
            to_school=cast_b.school,
            parents_informed_on=datetime.date(2026, 11, 20),
        )
    if outside:
        # The staff dossier released for a school outside the board (a real, small PDF), and its encrypted copy.
        import io as _io

        from pypdf import PdfWriter

        moved = CaseTransfer.objects.create(
            case=world.case,
            kind=CaseTransfer.Kind.OUTSIDE_BOARD,
            state=CaseTransfer.State.SENT,
            from_school=cast_a.school,
            to_school_name="Basisschool De Regenboog",
            to_brin="99ZZ",
            reference_before=world.case.reference,
            requested_by=cast_a.af,
            parents_informed_on=datetime.date(2026, 11, 20),
        )
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        out = _io.BytesIO()
        writer.write(out)
        release = StaffDossierRelease.objects.create(
            case=world.case,
            number=1,
            reference=f"{world.case.reference}-V1",
            recipient="Basisschool De Regenboog (BRIN 99ZZ)",
            purpose="next_school",
            released_by=cast_a.af,
            checksum="e" * 64,
            encrypted=True,
            transfer=moved,
            pdf=out.getvalue(),
        )
        EncryptedCopy.objects.create(
            transfer=moved, release=release, made_by=cast_a.af, checksum="f" * 64, pdf=b"%PDF-1.7 versleuteld"
        )
    assert world.fresh_case().state == (CaseState.HELP if help_plan else state)
    return world


def client_for_actor(world: World, actor: str) -> Client:
    client = Client()
    user = world.user(actor)
    if user is not None:
        login_verified(client, user)
    return client


# Everything a request could write. AuditEvents of the kind "viewed" (the case page) and "refused" (if a later
# issue logs refusals) are not writes of case content, and are checked by the rows that expect them.
WRITTEN_MODELS = [
    Case,
    Transition,
    Signal,
    SignalFollowUp,
    Kindcheck,
    Consultation,
    ParentConversation,
    ConversationAcknowledgement,
    ParentView,
    ParentTalkSkip,
    ParentTalkSkipConfirmation,
    Redaction,
    ExtractRelease,
    ExtractJob,
    DBTaskResult,
    Notification,
    ReminderSent,
    Alert,
    SocialMapEntry,
    LegalHold,
    AccessRequest,
    AccessRequestHandled,
    OutgoingMail,  # a refused request queues no e-mail
    StaffDossierRelease,
    StaffDossierJob,
    CaseTransfer,
    TransferRecord,
    EncryptedCopy,
]


def snapshot(world: World) -> dict:
    case = world.fresh_case()
    return {
        "case": (case.state, case.owner_id, case.last_activity_at),
        **{model.__name__: model.objects.count() for model in WRITTEN_MODELS},
        "notifications read": Notification.objects.filter(read_at__isnull=False).count(),
        "alerts acknowledged": Alert.objects.filter(acknowledged_at__isnull=False).count(),
        "audit": AuditEvent.objects.exclude(action__in=[AuditEvent.Action.VIEW, AuditEvent.Action.DENIED]).count(),
    }


def assert_outcome(response, outcome: str, path: str) -> None:
    if outcome == LOGIN:
        assert response.status_code == 302, response.status_code
        target = urlsplit(response.url)
        assert target.path == reverse("login")
        assert parse_qs(target.query)["next"] == [path]
    else:
        assert response.status_code == STATUS[outcome], (response.status_code, outcome)


# --- Rows ------------------------------------------------------------------------------------------------------

# Who sees the standard case (opened by the teacher of group 1): that teacher, the IB'er and the AF of school A.
SEES = {"a.teacher", "a.ib", "a.af"}


def expect(*, anonymous: str = LOGIN, school_b: str = HIDDEN, **school_a: str) -> dict[str, str]:
    """Expected outcome per actor: school A's roles as given (default 404), school B all ``school_b``."""
    result = {f"a.{role}": school_a.get(role, HIDDEN) for role in CAST_ROLES}
    result |= {f"b.{role}": school_b for role in CAST_ROLES}
    result[ANONYMOUS] = anonymous
    unknown = set(school_a) - set(CAST_ROLES)
    assert not unknown, unknown
    return result


def everyone(outcome: str, *, anonymous: str = LOGIN) -> dict[str, str]:
    return expect(anonymous=anonymous, school_b=outcome, **dict.fromkeys(CAST_ROLES, outcome))


@dataclass
class Row:
    url_name: str
    label: str
    method: str  # "GET" or "POST"
    expect: dict[str, str]
    url_kwargs: Callable[[World], dict]
    world: dict = field(default_factory=dict)  # build_world options
    data: Callable[[World], dict] = lambda w: {}
    # Extra checks on an answer of 200 or 302: (world, actor, response).
    check: Callable[[World, str, object], None] | None = None
    hide_key: str | None = "pk"  # the kwarg that makes the object not exist (for the 404-is-404 comparison)
    also_accepts: str | None = None  # "POST" for views that take GET and POST
    writes: bool = False  # a 302 (or, for a download, a 200) is a write (a successful POST)

    @property
    def id(self) -> str:
        return f"{self.url_name}[{self.label}]" if self.label else self.url_name


def case_pk(world: World) -> dict:
    return {"pk": world.case.pk}


# -- checks --


def check_case_list(world, actor, response):
    listed = {case.pk for case in response.context["page"].object_list}
    assert (world.case.pk in listed) == (actor in SEES)
    assert listed <= {world.case.pk}


def check_case_detail(world, actor, response):
    user = world.user(actor)
    assert response.context["case"].pk == world.case.pk
    expected_can = {
        "a.teacher": {"add_signal"},
        "a.ib": {"add_signal", "consult", "talk_parents", "reopen", "extract"},
        "a.af": {"add_signal", "consult", "decide", "talk_parents", "confirm_skip", "reopen", "view_audit", "extract"},
    }[actor]
    assert {name for name, allowed in response.context["can"].items() if allowed} == expected_can
    # In step 1 with a factual signal: the opener and the IB'er may hand over for consultation, the AF may not.
    ready = [t["name"] for t in response.context["transitions"]]
    assert ready == ([] if actor == "a.af" else ["to_consulting"])
    views_logged = AuditEvent.objects.filter(case=world.case, user=user, action=AuditEvent.Action.VIEW)
    assert views_logged.count() == 1


def check_detail_opened_by_contact_person(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    ready = [t["name"] for t in response.context["transitions"]]
    assert ready == (["to_consulting"] if actor in {"a.contact_person", "a.ib"} else [])


def check_signal_new(world, actor, response):
    assert response.context["school"].pk == world.a.school.pk
    pupils = set(response.context["form"].fields["pupil"].queryset)
    # A teacher chooses among the pupils of their own groups; the other roles among all pupils of the school.
    assert (world.pupil in pupils) == (actor != "a.other_teacher")


def _writing_help_data(world):
    name = f"{world.pupil.first_name} {world.pupil.last_name}"
    return {"writing_help_field": "description", "description": f"ik denk dat {name} bang is", "pupil": world.pupil.pk}


def check_writing_help_new_signal(world, actor, response):
    kinds = [hint.kind for hint in response.context["hints"]]
    # The chosen pupil is not "someone else" — only when the user may choose that pupil (not a teacher of group 2).
    if actor == "a.other_teacher":
        assert kinds[0] == "assumption" and kinds[-1] == "feeling" and "name" in kinds
    else:
        assert [hint.words for hint in response.context["hints"]] == ["ik denk", "bang"]


def check_writing_help_on_case(world, actor, response):
    words = [hint.words for hint in response.context["hints"]]
    assert words == ["ik denk", "bang"]  # the case's pupil is not "someone else"


def check_pupil_earlier_cases(world, actor, response):
    assert response.context["school"].pk == world.a.school.pk
    assert world.pupil in set(response.context["pupils"])
    assert response.context["earlier_cases"] == []  # no pupil chosen yet: nothing listed


def check_entry_form(kind: str):
    def check(world, actor, response):
        assert response.context["case"].pk == world.case.pk
        assert response.context["kind"] == kind
        assert type(response.context["form"]) is views.ENTRY_KINDS[kind].form_class

    return check


def check_follow_up_form(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    assert response.context["signal"].pk == world.signal.pk


def check_skip_form(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    assert response.context["form"].Meta.model is ParentTalkSkip


def check_transition_done(to_state: str, name: str):
    def check(world, actor, response):
        assert response.url == reverse("cases:case-detail", kwargs={"pk": world.case.pk})
        case = world.fresh_case()
        assert case.state == to_state
        last = Transition.objects.filter(case=case).last()
        assert (last.name, last.actor, last.to_state) == (name, world.user(actor), to_state)

    return check


def check_skip_confirmed(world, actor, response):
    assert response.url == reverse("cases:case-detail", kwargs={"pk": world.case.pk})
    confirmation = ParentTalkSkipConfirmation.objects.get(skip=world.skip)
    assert confirmation.confirmed_by == world.user(actor)


def check_home(world, actor, response):
    membership = Membership.objects.get(user=world.user(actor))
    assert response.url == reverse("start", kwargs={"school_id": membership.school_id, "role": membership.role})


def check_login(world, actor, response):
    if actor == ANONYMOUS:
        assert "form" in response.context
    else:
        assert response.url == reverse(settings.LOGIN_REDIRECT_URL)


def check_alive(world, actor, response):
    assert response.content == b"ok"
    assert response.wsgi_request.user == world.user(actor)


def check_favicon(world, actor, response):
    assert urlsplit(response.url).path.endswith(".svg"), response.url


def check_logout(world, actor, response):
    assert response.url == reverse("login")
    assert "_auth_user_id" not in response.wsgi_request.session


def check_start_ib(world, actor, response):
    membership = response.context["membership"]
    assert (membership.user, membership.school, membership.role) == (world.a.ib, world.a.school, Role.IB)
    assert world.case.pk in {c.pk for c in response.context["cases"]}


def check_set_language(world, actor, response):
    assert response.url == reverse("cases:case-list")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def check_verify_passes_on(world, actor, response):
    # Every session of the matrix has passed the second factor: the page sends it on.
    assert response.url == reverse(settings.LOGIN_REDIRECT_URL)


def check_enrol(world, actor, response):
    assert "<svg" in response.context["qr_svg"]
    device = TOTPDevice.objects.get(user=world.user(actor), confirmed=False)
    assert response.context["secret"].replace(" ", "") in device.config_url


def check_security(world, actor, response):
    colleagues = {u.pk for u in response.context["colleagues"]}
    user = world.user(actor)
    if actor.endswith(".af"):
        cast = world.a if actor.startswith("a.") else world.b
        expected = {cast.by_role(role).pk for role in CAST_ROLES} - {user.pk}
        assert colleagues == expected
    else:
        assert colleagues == set()


def check_backup_codes(world, actor, response):
    codes = response.context["codes"]
    assert len(codes) == 10
    stored = StaticToken.objects.filter(device__user=world.user(actor)).values_list("token", flat=True)
    assert sorted(stored) == sorted(codes)


def colleague_with_device(world: World) -> dict:
    """School A's teacher, with an authenticator app set up."""
    TOTPDevice.objects.get_or_create(user=world.a.teacher, name="authenticator app", defaults={"confirmed": True})
    return {"user_id": world.a.teacher.pk}


def check_second_factor_reset(world, actor, response):
    assert response.url == reverse("security")
    assert not TOTPDevice.objects.filter(user=world.a.teacher).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.SECOND_FACTOR_RESET)
    assert (event.user, event.case, event.target) == (world.user(actor), None, f"user {world.a.teacher.pk} (teacher-a)")


def colleague_also_at_school_b(world: World) -> dict:
    """A colleague who teaches at school A and is IB'er at school B (as the demo's ``combi``), with an app."""
    combi = factories.UserFactory(username="combi-ab")
    factories.MembershipFactory(user=combi, school=world.a.school, role=Role.TEACHER)
    factories.MembershipFactory(user=combi, school=world.b.school, role=Role.IB)
    TOTPDevice.objects.create(user=combi, name="authenticator app", confirmed=True)
    return {"user_id": combi.pk}


def pending_role_grant(world: World) -> dict:
    """An IB'er role at school A for a newcomer, asked for by an administrator, not yet confirmed."""
    admin_user = User.objects.create_superuser("beheer-matrix", "beheer-matrix@example.invalid", factories.PASSWORD)
    newcomer = factories.UserFactory(username="nieuw-matrix")
    grant = roles.role_grant_request(actor=admin_user, user=newcomer, school=world.a.school, role=Role.IB)
    return {"grant_id": grant.pk}


def check_role_grant(state: str):
    def check(world, actor, response):
        assert response.url == reverse("security")
        grant = RoleGrant.objects.get(user__username="nieuw-matrix")
        assert (grant.state, grant.decided_by) == (state, world.user(actor))
        made = Membership.objects.filter(user=grant.user, school=world.a.school, role=Role.IB).exists()
        assert made == (state == RoleGrant.State.CONFIRMED)

    return check


def check_school_account_log(world, actor, response):
    assert response.context["school"] == world.a.school
    assert all(event.school_id == world.a.school.pk for event in response.context["events"])


def reset_link_of_a_colleague(world: World) -> dict:
    """The link from the password e-mail of a colleague at school A (not one of the actors: logging in changes the
    user's last login, which ends their links — as it should)."""
    user = factories.UserFactory(username="wachtwoord-a")
    factories.MembershipFactory(user=user, school=world.a.school, role=Role.TEACHER)
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def check_reset_link(world, actor, response):
    assert response.url.endswith("/set-password/")  # Django keeps the token in the session, out of the address


def check_reset_complete(world, actor, response):
    assert reverse("login") in response.content.decode()


TALKING = {"state": CaseState.PARENT_TALK, "conversation": True}
WEIGHING = {"state": CaseState.WEIGHING}


def check_shows_case(world, actor, response):
    """A form or page of steps 4-5 names the case it belongs to."""
    assert world.case.reference in response.content.decode()


def check_extract_preview(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    keys = {item.key for item in response.context["extract"].items}
    assert f"signal:{world.signal.pk}" in keys
    assert (response.context["redaction_form"] is not None) == (actor == "a.af")


def check_extract_redacted(world, actor, response):
    assert response.url == reverse("dossier:extract-preview", kwargs={"pk": world.case.pk})
    redaction = Redaction.objects.get(case=world.case)
    assert (redaction.key, redaction.approved_by) == (f"signal:{world.signal.pk}", world.user(actor))


def check_extract_names(world, actor, response):
    assert response.url == reverse("dossier:extract-preview", kwargs={"pk": world.case.pk})
    assert not Redaction.objects.filter(case=world.case).exists()  # nothing to decide: nothing recorded


def check_extract_released(world, actor, response):
    # The release stores a job being prepared and enqueues its rendering; nothing is rendered in the request.
    job = ExtractJob.objects.get(case=world.case)
    assert response.url == reverse("dossier:extract-job", kwargs={"pk": world.case.pk, "job_pk": job.pk})
    assert (job.requested_by, job.state) == (world.user(actor), ExtractJob.State.PREPARING)
    task = DBTaskResult.objects.exclude(task_path="outbox.delivery.deliver_mail").get()  # the set-up queued mail
    assert (task.task_path, task.args_kwargs["kwargs"]) == ("dossier.tasks.render_extract", {"job_id": job.pk})
    assert not ExtractRelease.objects.exists()


def extract_job(world: World) -> dict:
    """The case's released extract, still being prepared (``world={"extract": True}``)."""
    return {"pk": world.case.pk, "job_pk": ExtractJob.objects.get(case=world.case).pk}


def check_extract_job(world, actor, response):
    assert response.context["job"].case_id == world.case.pk
    assert "Het uittreksel wordt klaargemaakt" in response.content.decode()


def extract_release_with_pdf(world: World) -> dict:
    """The case's released extract with its PDF (``world={"extract": True}``)."""
    return {"pk": world.case.pk, "release_pk": ExtractRelease.objects.get(case=world.case).pk}


def check_extract_downloaded(world, actor, response):
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == b"%PDF-1.7 uittreksel"
    event = AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.EXPORT).latest("pk")
    assert (event.user, event.target.endswith("downloaded")) == (world.user(actor), True)


def check_staff_preview(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    keys = {item.key for item in response.context["dossier"].items}
    assert f"signal:{world.signal.pk}" in keys
    assert world.signal.description in response.content.decode()


def check_staff_released(world, actor, response):
    job = StaffDossierJob.objects.get(case=world.case)
    assert response.url == reverse("dossier:staff-job", kwargs={"pk": world.case.pk, "job_pk": job.pk})
    assert (job.requested_by, job.recipient, job.purpose, job.number) == (
        world.user(actor),
        "Veilig Thuis Proefregio",
        "veilig_thuis",
        1,
    )
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["kwargs"]) == ("dossier.tasks.render_staff_dossier", {"job_id": job.pk})
    assert not StaffDossierRelease.objects.exists()


def staff_job(world: World) -> dict:
    return {"pk": world.case.pk, "job_pk": StaffDossierJob.objects.get(case=world.case).pk}


def check_staff_job(world, actor, response):
    assert response.context["job"].case_id == world.case.pk
    assert "Het dossier voor medewerkers wordt klaargemaakt" in response.content.decode()


def staff_release_with_pdf(world: World) -> dict:
    return {"pk": world.case.pk, "release_pk": StaffDossierRelease.objects.get(case=world.case).pk}


def check_staff_downloaded(world, actor, response):
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 dossier medewerkers"
    event = AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.EXPORT).latest("pk")
    assert (event.user, event.target) == (world.user(actor), f"staff dossier {world.case.reference}-V1 downloaded")


def check_transfer_form(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    assert list(response.context["form"].fields["to_school"].queryset) == [world.b.school]


def check_transfer_requested(world, actor, response):
    moved = CaseTransfer.objects.get(case=world.case)
    assert (moved.to_school, moved.requested_by, moved.state) == (world.b.school, world.user(actor), "requested")
    assert response.url == reverse("dossier:school-transfers", kwargs={"school_id": world.a.school.pk})
    assert world.fresh_case().school == world.a.school  # nothing moves until the new school accepts


def check_school_transfers(world, actor, response):
    assert response.context["school"] == world.a.school
    assert response.context["incoming"] == [] and response.context["transfers"] == []


def pending_transfer(world: World) -> dict:
    return {"transfer_pk": CaseTransfer.objects.get(case=world.case).pk}


def check_transfer_decide(world, actor, response):
    assert response.context["transfer"].case_id == world.case.pk
    assert set(response.context["accept"].fields) == {f"pupil-{world.pupil.pk}", f"number-{world.pupil.pk}"}


def check_transfer_accepted(world, actor, response):
    case = world.fresh_case()
    assert response.url == reverse("cases:case-detail", kwargs={"pk": case.pk})
    assert case.school == world.b.school
    assert case.pupils.get().pupil_system_id == "B-9001"
    assert CaseTransfer.objects.get(case=case).state == "accepted"


def outside_transfer(world: World) -> dict:
    return {"pk": world.case.pk, "transfer_pk": CaseTransfer.objects.get(case=world.case).pk}


def check_transfer_encrypt(world, actor, response):
    assert response.context["release"].case_id == world.case.pk
    assert response.context["password"] is None


def check_transfer_password(world, actor, response):
    password = response.context["password"]
    assert len(password) == 24 and password in response.content.decode()
    copy = EncryptedCopy.objects.get(transfer__case=world.case)
    assert copy.made_by == world.user(actor) and bytes(copy.pdf).startswith(b"%PDF")


def check_transfer_encrypted_download(world, actor, response):
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 versleuteld"


def check_task_done(world, actor, response):
    from cases.models import TaskDone

    assert TaskDone.objects.filter(consultation_action=world.task, author=world.user(actor)).count() == 1


def ib_notification(world: World) -> dict:
    """The notification the IB'er of school A got when the teacher handed the case over for consultation."""
    return {"notification_id": Notification.objects.get(user=world.a.ib, case=world.case).pk}


def start_page_of_ib(world: World) -> str:
    return reverse("start", kwargs={"school_id": world.a.school.pk, "role": Role.IB})


def check_notification_read(world, actor, response):
    assert response.url == start_page_of_ib(world)
    notification = Notification.objects.get(user=world.a.ib, case=world.case)
    assert notification.read_at is not None


def check_all_read(world, actor, response):
    assert response.url == reverse("home")
    # Only the user's own notifications: the IB'er's hand-over notice is read by the IB'er alone.
    notification = Notification.objects.get(user=world.a.ib, case=world.case)
    assert (notification.read_at is not None) == (actor == "a.ib")


def check_notification_history(world, actor, response):
    assert all(n.user_id == world.user(actor).pk for n in response.context["notifications"])


def teachers_emergency_proposal(world: World) -> dict:
    """The teacher of group 1 proposed an emergency report on the case: an urgent alert at school A."""
    from cases.models import EmergencyProposal

    services.entry_record(
        user=world.a.teacher,
        case=world.fresh_case(),
        entry=EmergencyProposal(justification="Het kind durft niet naar huis."),
        permission=perms.PROPOSE_EMERGENCY,
    )
    return {"alert_id": Alert.objects.get(case=world.case).pk}


def check_alert_acknowledged(world, actor, response):
    assert response.url == reverse("cases:case-detail", kwargs={"pk": world.case.pk})
    alert = Alert.objects.get(case=world.case)
    assert alert.acknowledged_by == world.user(actor) and alert.acknowledged_at is not None
    assert AuditEvent.objects.filter(case=world.case, action=AuditEvent.Action.ALERT_ACKNOWLEDGED).count() == 1


def school_a(world: World) -> dict:
    return {"school_id": world.a.school.pk}


def own_map_entry(world: World) -> dict:
    entry, _created = SocialMapEntry.objects.get_or_create(
        school=world.a.school,
        kind=PartnerKind.LOCAL_TEAM,
        defaults={"organisation": "Wijkteam Proefdorp", "phone": "0123-456789"},
    )
    return {"school_id": world.a.school.pk, "entry_id": entry.pk}


def check_social_map(world, actor, response):
    assert response.context["school"] == world.a.school
    kinds = {e.kind for e in response.context["entries"]}
    assert {PartnerKind.VEILIG_THUIS, PartnerKind.EMERGENCY, PartnerKind.INSPECTOR, PartnerKind.POLICE} <= kinds
    assert response.context["can_edit"] == (actor in ("a.ib", "a.af"))


def check_social_map_added(world, actor, response):
    assert response.url == reverse("schools:social-map", kwargs={"school_id": world.a.school.pk})
    entry = SocialMapEntry.objects.get(organisation="GGD Proefregio")
    assert (entry.school, entry.board, entry.kind) == (world.a.school, None, PartnerKind.SCHOOL_DOCTOR)


def check_legal_hold_placed(world, actor, response):
    assert world.fresh_case().legal_hold is True
    hold = LegalHold.objects.get(case=world.case)
    assert (hold.placed, hold.author, hold.reason) == (True, world.user(actor), "Klachtprocedure loopt.")


def guardian_of_pupil(world: World) -> Guardian:
    guardian, _created = Guardian.objects.get_or_create(
        pupil=world.pupil, name="Mirjam Proefouder", defaults={"relation": "mother", "has_parental_authority": True}
    )
    return guardian


def access_request_data(world: World) -> dict:
    received = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    return {"kind": "inspection", "received_on": received, "requester": guardian_of_pupil(world).pk}


def check_access_request_recorded(world, actor, response):
    request = AccessRequest.objects.get(case=world.case)
    assert (request.author, request.requester, request.kind) == (
        world.user(actor),
        guardian_of_pupil(world),
        "inspection",
    )


def check_case_form(world, actor, response):
    assert response.context["case"].pk == world.case.pk
    assert response.context["form"].errors == {}


def check_figures_school(world, actor, response):
    figures = response.context["figures"]
    assert figures.title == world.a.school.name
    routes = next(g for g in figures.groups if g.key == "routes")
    # The world's one case: opened this year, route A — a small count, shown as "< 5".
    assert (routes.total.value, routes.total.shown) == (1, "< 5")
    assert "/dossiers/" not in response.content.decode().split('id="main"')[1]


def check_figures_csv(world, actor, response):
    content = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "< 5" in content and world.case.reference not in content and world.pupil.last_name not in content
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, user=world.user(actor))
    assert event.case is None and event.target.startswith("figures school")


def check_figures_index(world, actor, response):
    assert response.url == reverse(
        "reporting:figures-school", kwargs={"school_id": world.user(actor).memberships.get().school_id}
    )


GUIDE_OF_ROLE = {
    "teacher": "leerkracht",
    "other_teacher": "leerkracht",
    "contact_person": "leerkracht",
    "ib": "intern-begeleider",
    "af": "aandachtsfunctionaris",
}


def check_guide_index(world, actor, response):
    # Every guide is listed; the one of the user's own role comes first, under "for you".
    assert [g.slug for g in response.context["own"]] == [GUIDE_OF_ROLE[actor.split(".")[1]]]
    assert {g.slug for g in response.context["guides"]} == {
        "leerkracht",
        "intern-begeleider",
        "aandachtsfunctionaris",
        "beheerder",
    }


def check_guide_page(world, actor, response):
    html = response.content.decode()
    assert response.context["guide"].slug == "leerkracht"
    assert 'id="signaal"' in html and "/static/guide/shots/leerkracht-signaal-desktop.png" in html


ROWS = [
    # --- not namespaced ---
    Row("home", "", "GET", everyone(DONE), lambda w: {}, check=check_home, hide_key=None),
    Row("login", "", "GET", everyone(DONE, anonymous=OK), lambda w: {}, check=check_login, hide_key=None),
    Row("logout", "", "POST", everyone(DONE, anonymous=DONE), lambda w: {}, check=check_logout, hide_key=None),
    Row("alive", "", "GET", everyone(OK), lambda w: {}, check=check_alive, hide_key=None),
    Row("favicon", "", "GET", everyone(DONE, anonymous=DONE), lambda w: {}, check=check_favicon, hide_key=None),
    Row(
        "second-factor-verify",
        "",
        "GET",
        everyone(DONE),
        lambda w: {},
        check=check_verify_passes_on,
        hide_key=None,
        also_accepts="POST",
    ),
    Row(
        "second-factor-enrol",
        "",
        "GET",
        everyone(OK),
        lambda w: {},
        check=check_enrol,
        hide_key=None,
        also_accepts="POST",
    ),
    Row("security", "", "GET", everyone(OK), lambda w: {}, check=check_security, hide_key=None),
    Row("guide:index", "", "GET", everyone(OK), lambda w: {}, check=check_guide_index, hide_key=None),
    Row(
        "guide:page",
        "the teachers' guide",
        "GET",
        everyone(OK),
        lambda w: {"slug": "leerkracht"},
        check=check_guide_page,
        hide_key=None,
    ),
    Row("backup-codes", "", "POST", everyone(OK), lambda w: {}, check=check_backup_codes, hide_key=None),
    Row(
        "second-factor-reset",
        "a teacher of school A",
        "POST",
        expect(af=DONE),  # only the aandachtsfunctionaris of the colleague's school; anyone else: 404
        colleague_with_device,
        check=check_second_factor_reset,
        hide_key="user_id",
        writes=True,
    ),
    Row(
        "second-factor-reset",
        "a colleague who also works at school B",
        "POST",
        expect(),  # neither school's aandachtsfunctionaris alone: only one of both schools, or an administrator
        colleague_also_at_school_b,
        hide_key="user_id",
    ),
    Row(
        "role-grant-confirm",
        "an IB'er role at school A asked for by an administrator",
        "POST",
        expect(af=DONE),  # the school's aandachtsfunctionaris; anyone else: 404
        pending_role_grant,
        check=check_role_grant(RoleGrant.State.CONFIRMED),
        hide_key="grant_id",
        writes=True,
    ),
    Row(
        "role-grant-refuse",
        "an IB'er role at school A asked for by an administrator",
        "POST",
        expect(af=DONE),
        pending_role_grant,
        check=check_role_grant(RoleGrant.State.REFUSED),
        hide_key="grant_id",
        writes=True,
    ),
    Row(
        "school-account-log",
        "school A",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"school_id": w.a.school.pk},
        check=check_school_account_log,
        hide_key="school_id",
    ),
    Row(
        "password_reset_confirm",
        "a colleague's link",
        "GET",
        everyone(DONE, anonymous=DONE),  # a valid link, whoever follows it: on to the form
        reset_link_of_a_colleague,
        check=check_reset_link,
        hide_key=None,
        also_accepts="POST",
    ),
    Row(
        "password_reset_complete",
        "",
        "GET",
        everyone(OK, anonymous=OK),
        lambda w: {},
        check=check_reset_complete,
        hide_key=None,
    ),
    Row(
        "start",
        "school A, IB'er",
        "GET",
        expect(ib=OK),
        lambda w: {"school_id": w.a.school.pk, "role": Role.IB},
        check=check_start_ib,
        hide_key="school_id",
    ),
    Row(
        "set_language",
        "",
        "POST",
        everyone(DONE, anonymous=DONE),
        lambda w: {},
        data=lambda w: {"language": "en", "next": reverse("cases:case-list")},
        check=check_set_language,
        hide_key=None,
    ),
    # --- cases: ---
    Row("cases:case-list", "", "GET", everyone(OK), lambda w: {}, check=check_case_list, hide_key=None),
    Row("cases:case-detail", "", "GET", expect(teacher=OK, ib=OK, af=OK), case_pk, check=check_case_detail),
    Row(
        "cases:case-detail",
        "opened by the contact person",
        "GET",
        expect(teacher=OK, contact_person=OK, ib=OK, af=OK),
        case_pk,
        world={"opener": "contact_person"},
        check=check_detail_opened_by_contact_person,
    ),
    Row(
        "cases:signal-new",
        "school A",
        "GET",
        expect(**dict.fromkeys(CAST_ROLES, OK)),
        lambda w: {"school_id": w.a.school.pk},
        check=check_signal_new,
        hide_key="school_id",
        also_accepts="POST",
    ),
    # Issue 17: a pupil's earlier cases, in the new-signal flow: the IB'er and the aandachtsfunctionaris only; a
    # teacher must not learn of earlier cases (403), another school's staff not even that the page exists (404).
    Row(
        "cases:pupil-earlier-cases",
        "school A",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=OK, af=OK),
        lambda w: {"school_id": w.a.school.pk},
        check=check_pupil_earlier_cases,
        hide_key="school_id",
    ),
    Row(
        "cases:writing-help-new-signal",
        "school A",
        "POST",
        expect(**dict.fromkeys(CAST_ROLES, OK)),
        lambda w: {"school_id": w.a.school.pk},
        data=_writing_help_data,
        check=check_writing_help_new_signal,
        hide_key="school_id",
    ),
    Row(
        "cases:writing-help",
        "signal",
        "POST",
        expect(teacher=OK, ib=OK, af=OK),
        lambda w: {"pk": w.case.pk, "kind": "signal"},
        data=_writing_help_data,
        check=check_writing_help_on_case,
    ),
    Row(
        "cases:writing-help",
        "consultation",
        "POST",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        lambda w: {"pk": w.case.pk, "kind": "consultation"},
        world={"state": CaseState.CONSULTING},
        data=lambda w: {
            **_writing_help_data(w),
            "writing_help_field": "advice",
            "advice": _writing_help_data(w)["description"],
        },
        check=check_writing_help_on_case,
    ),
    Row(
        "cases:signal-add",
        "",
        "GET",
        expect(teacher=OK, ib=OK, af=OK),
        case_pk,
        check=check_entry_form("signal"),
        also_accepts="POST",
    ),
    Row(
        "cases:signal-add",
        "opened by the contact person",
        "GET",
        expect(teacher=OK, contact_person=OK, ib=OK, af=OK),
        case_pk,
        world={"opener": "contact_person"},
        check=check_entry_form("signal"),
        also_accepts="POST",
    ),
    Row(
        "cases:signal-follow-up",
        "",
        "GET",
        expect(teacher=OK, ib=OK, af=OK),
        lambda w: {"pk": w.case.pk, "signal_id": w.signal.pk},
        check=check_follow_up_form,
        also_accepts="POST",
    ),
    Row(
        "cases:signal-details",
        "",
        "GET",
        expect(teacher=OK, ib=OK, af=OK),
        lambda w: {"pk": w.case.pk, "signal_id": w.signal.pk},
        check=check_follow_up_form,
        also_accepts="POST",
    ),
    Row(
        "cases:kindcheck-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world={"state": CaseState.CONSULTING},
        check=check_entry_form("kindcheck"),
        also_accepts="POST",
    ),
    Row(
        "cases:consultation-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world={"state": CaseState.CONSULTING},
        check=check_entry_form("consultation"),
        also_accepts="POST",
    ),
    Row(
        "cases:conversation-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world={"state": CaseState.PARENT_TALK},
        check=check_entry_form("conversation"),
        also_accepts="POST",
    ),
    Row(
        "cases:acknowledgement-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world=TALKING,
        check=check_entry_form("acknowledgement"),
        also_accepts="POST",
    ),
    Row(
        "cases:parentview-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world=TALKING,
        check=check_entry_form("parentview"),
        also_accepts="POST",
    ),
    Row(
        "cases:skip-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world={"state": CaseState.PARENT_TALK},
        check=check_skip_form,
        also_accepts="POST",
    ),
    Row(
        "cases:skip-confirm",
        "recorded by the IB'er",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=DONE),
        lambda w: {"pk": w.case.pk, "skip_id": w.skip.pk},
        world={"state": CaseState.PARENT_TALK, "skip": True},
        check=check_skip_confirmed,
        writes=True,
    ),
    Row(
        "cases:case-transition",
        "to_consulting",
        "POST",
        expect(teacher=DONE, ib=DONE, af=FORBIDDEN),
        lambda w: {"pk": w.case.pk, "name": "to_consulting"},
        data=lambda w: {"expected_state": CaseState.SIGNALLING, "reason": ""},
        check=check_transition_done(CaseState.CONSULTING, "to_consulting"),
        writes=True,
    ),
    Row(
        "cases:case-transition",
        "to_consulting, opened by the contact person",
        "POST",
        # The teacher of group 1 sees the case but did not open it: only the opener and the IB'er hand it over.
        expect(teacher=FORBIDDEN, contact_person=DONE, ib=DONE, af=FORBIDDEN),
        lambda w: {"pk": w.case.pk, "name": "to_consulting"},
        world={"opener": "contact_person"},
        data=lambda w: {"expected_state": CaseState.SIGNALLING, "reason": ""},
        check=check_transition_done(CaseState.CONSULTING, "to_consulting"),
        writes=True,
    ),
    Row(
        "cases:case-transition",
        "to_parent_talk",
        "POST",
        expect(teacher=FORBIDDEN, ib=DONE, af=FORBIDDEN),
        lambda w: {"pk": w.case.pk, "name": "to_parent_talk"},
        world={"state": CaseState.CONSULTING, "consultation": True},
        data=lambda w: {"expected_state": CaseState.CONSULTING, "reason": ""},
        check=check_transition_done(CaseState.PARENT_TALK, "to_parent_talk"),
        writes=True,
    ),
    Row(
        "cases:case-transition",
        "to_weighing",
        "POST",
        expect(teacher=FORBIDDEN, ib=DONE, af=FORBIDDEN),
        lambda w: {"pk": w.case.pk, "name": "to_weighing"},
        world=TALKING,
        data=lambda w: {"expected_state": CaseState.PARENT_TALK, "reason": ""},
        check=check_transition_done(CaseState.WEIGHING, "to_weighing"),
        writes=True,
    ),
    Row("cases:case-audit", "", "GET", expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK), case_pk, check=check_shows_case),
    # --- steps 4-5 and route B ---
    Row(
        "cases:weighing",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        world=WEIGHING,
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:risk-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        world=WEIGHING,
        check=check_entry_form("risk"),
        also_accepts="POST",
    ),
    Row(
        "cases:flag-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        world=WEIGHING,
        check=check_entry_form("flag"),
        also_accepts="POST",
    ),
    Row(
        "cases:emergency-proposal-add",
        "",
        "GET",
        expect(teacher=OK, ib=OK, af=FORBIDDEN),
        case_pk,
        check=check_entry_form("emergency-proposal"),
        also_accepts="POST",
    ),
    Row(
        "cases:board-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        check=check_entry_form("board"),
        also_accepts="POST",
    ),
    Row(
        "cases:checkin-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        check=check_entry_form("checkin"),
        also_accepts="POST",
    ),
    Row(
        "cases:case-action",
        "report",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"pk": w.case.pk, "action": "report"},
        world=WEIGHING,
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:case-action",
        "report-again",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"pk": w.case.pk, "action": "report-again"},
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:case-action",
        "emergency",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        lambda w: {"pk": w.case.pk, "action": "emergency"},
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:case-action",
        "close",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"pk": w.case.pk, "action": "close"},
        world=WEIGHING,
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:case-action",
        "help",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"pk": w.case.pk, "action": "help"},
        world=WEIGHING,
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:help-plan-correct",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"pk": w.case.pk, "plan_id": w.plan.pk},
        world={"state": CaseState.WEIGHING, "help_plan": True},
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:case-action",
        "police",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"pk": w.case.pk, "action": "police"},
        check=check_shows_case,
        also_accepts="POST",
    ),
    Row(
        "cases:task-done",
        "",
        "POST",
        expect(teacher=FORBIDDEN, ib=DONE, af=DONE),
        lambda w: {"pk": w.case.pk, "kind": "consultatie", "task_id": w.task.pk},
        world={"state": CaseState.CONSULTING, "task": True},
        check=check_task_done,
        writes=True,
    ),
    Row(
        "dossier:extract-preview",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        check=check_extract_preview,
    ),
    Row(
        "dossier:extract-redact",
        "",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=DONE),
        case_pk,
        data=lambda w: {"entry": f"signal:{w.signal.pk}", "reason": "Noemt het adres van de opvang."},
        check=check_extract_redacted,
        writes=True,
    ),
    Row(
        "dossier:extract-names",
        "leave out every proposed name (none in this case)",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=DONE),
        case_pk,
        data=lambda w: {"all": "1"},
        check=check_extract_names,
        writes=True,
    ),
    Row(
        "dossier:extract-release",
        "",
        "POST",
        expect(teacher=FORBIDDEN, ib=DONE, af=DONE),
        case_pk,
        check=check_extract_released,
        writes=True,
    ),
    Row(
        "dossier:extract-job",
        "a released extract being prepared",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        extract_job,
        world={"extract": True},
        check=check_extract_job,
    ),
    Row(
        "dossier:extract-download",
        "a released extract's PDF",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        extract_release_with_pdf,
        world={"extract": True},
        check=check_extract_downloaded,
        writes=True,  # the download is an export: in the audit trail
    ),
    Row(
        "dossier:staff-preview",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        check=check_staff_preview,
    ),
    Row(
        "dossier:staff-release",
        "",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=DONE),
        case_pk,
        data=lambda w: {"recipient": "Veilig Thuis Proefregio", "purpose": "veilig_thuis"},
        check=check_staff_released,
        writes=True,
    ),
    Row(
        "dossier:staff-job",
        "a released staff dossier being prepared",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        staff_job,
        world={"staff": True},
        check=check_staff_job,
    ),
    Row(
        "dossier:staff-download",
        "a released staff dossier's PDF",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        staff_release_with_pdf,
        world={"staff": True},
        check=check_staff_downloaded,
        writes=True,  # the download is an export: in the audit trail
    ),
    Row(
        "dossier:transfer-request",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        check=check_transfer_form,
        also_accepts="POST",
    ),
    Row(
        "dossier:transfer-request",
        "to school B, of the same board",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=DONE),
        case_pk,
        data=lambda w: {"kind": "within", "to_school": w.b.school.pk, "parents_informed_on": "2026-11-20"},
        check=check_transfer_requested,
        writes=True,
    ),
    Row(
        "dossier:school-transfers",
        "school A",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"school_id": w.a.school.pk},
        check=check_school_transfers,
        hide_key="school_id",
    ),
    Row(
        "dossier:transfer-decide",
        "a transfer from school A to school B",
        "GET",
        expect(school_b=FORBIDDEN) | {"b.af": OK},  # the new school's aandachtsfunctionaris; school A: 404
        pending_transfer,
        world={"transfer": True},
        check=check_transfer_decide,
        hide_key="transfer_pk",
        also_accepts="POST",
    ),
    Row(
        "dossier:transfer-decide",
        "accepted, the pupil's record taken over by hand",
        "POST",
        expect(school_b=FORBIDDEN) | {"b.af": DONE},
        pending_transfer,
        world={"transfer": True},
        data=lambda w: {"decision": "accept", f"pupil-{w.pupil.pk}": "copy", f"number-{w.pupil.pk}": "B-9001"},
        check=check_transfer_accepted,
        hide_key="transfer_pk",
        writes=True,
    ),
    Row(
        "dossier:transfer-encrypt",
        "a staff dossier released for a school outside the board",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        outside_transfer,
        world={"outside": True},
        check=check_transfer_encrypt,
    ),
    Row(
        "dossier:transfer-password",
        "a new encrypted copy and its one-time password",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),  # the password is in this answer only: not a redirect
        outside_transfer,
        world={"outside": True},
        check=check_transfer_password,
        writes=True,
    ),
    Row(
        "dossier:transfer-encrypted-download",
        "the encrypted copy",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        outside_transfer,
        world={"outside": True},
        check=check_transfer_encrypted_download,
        writes=True,  # an export: in the audit trail
    ),
    Row(
        "cases:notification-read",
        "the IB'er's hand-over notification",
        "POST",
        expect(ib=DONE),  # only the person notified; anyone else: 404, like a notification that does not exist
        ib_notification,
        world={"state": CaseState.CONSULTING},
        data=lambda w: {"next": start_page_of_ib(w)},
        check=check_notification_read,
        hide_key="notification_id",
        writes=True,
    ),
    Row(
        "cases:notifications-all-read",
        "",
        "POST",
        everyone(DONE),  # the user's own notifications only
        lambda w: {},
        world={"state": CaseState.CONSULTING},
        check=check_all_read,
        hide_key=None,
        writes=True,
    ),
    Row(
        "cases:notification-history",
        "",
        "GET",
        everyone(OK),  # the user's own notifications only
        lambda w: {},
        world={"state": CaseState.CONSULTING},
        check=check_notification_history,
        hide_key=None,
    ),
    Row(
        "cases:alert-acknowledge",
        "a teacher's emergency proposal",
        "POST",
        # Only an aandachtsfunctionaris of the school; who does not see the case: 404, like an alert that does not
        # exist.
        expect(af=DONE, ib=FORBIDDEN, teacher=FORBIDDEN),
        teachers_emergency_proposal,
        check=check_alert_acknowledged,
        hide_key="alert_id",
        writes=True,
    ),
    # --- The social map, the legal hold, the parents' requests ---
    Row(
        "schools:social-map",
        "",
        "GET",
        expect(**dict.fromkeys(CAST_ROLES, OK)),
        school_a,
        check=check_social_map,
        hide_key="school_id",
    ),
    Row(
        "schools:social-map-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=OK, af=OK),
        school_a,
        hide_key="school_id",
        also_accepts="POST",
    ),
    Row(
        "schools:social-map-add",
        "a school doctor",
        "POST",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=DONE, af=DONE),
        school_a,
        data=lambda w: {
            "kind": "school_doctor",
            "organisation": "GGD Proefregio",
            "phone": "088-0000000",
            "active": "on",
        },
        check=check_social_map_added,
        hide_key="school_id",
        writes=True,
    ),
    Row(
        "schools:social-map-edit",
        "the school's own entry",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=OK, af=OK),
        own_map_entry,
        hide_key="entry_id",
        also_accepts="POST",
    ),
    Row(
        "dossier:legal-hold",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=OK),
        case_pk,
        check=check_case_form,
        also_accepts="POST",
    ),
    Row(
        "dossier:legal-hold",
        "placed",
        "POST",
        expect(teacher=FORBIDDEN, ib=FORBIDDEN, af=DONE),
        case_pk,
        data=lambda w: {"reason": "Klachtprocedure loopt."},
        check=check_legal_hold_placed,
        writes=True,
    ),
    Row(
        "dossier:access-request-add",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        check=check_case_form,
        also_accepts="POST",
    ),
    Row(
        "dossier:access-request-add",
        "a request to see the file",
        "POST",
        expect(teacher=FORBIDDEN, ib=DONE, af=DONE),
        case_pk,
        data=access_request_data,
        check=check_access_request_recorded,
        writes=True,
    ),
    Row(
        "dossier:access-request-answer",
        "",
        "GET",
        expect(teacher=FORBIDDEN, ib=OK, af=OK),
        case_pk,
        check=check_case_form,
        also_accepts="POST",
    ),
    # --- annual figures: the aandachtsfunctionaris of the school; administrators (not in the cast) see them all ---
    Row(
        "reporting:figures",
        "",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=FORBIDDEN, af=DONE)
        | {f"b.{r}": FORBIDDEN for r in CAST_ROLES}
        | {"b.af": DONE},
        lambda w: {},
        check=check_figures_index,
        hide_key=None,
    ),
    Row(
        "reporting:figures-school",
        "school A",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"school_id": w.a.school.pk},
        check=check_figures_school,
        hide_key="school_id",
    ),
    Row(
        "reporting:figures-school-csv",
        "school A",
        "GET",
        expect(teacher=FORBIDDEN, other_teacher=FORBIDDEN, contact_person=FORBIDDEN, ib=FORBIDDEN, af=OK),
        lambda w: {"school_id": w.a.school.pk},
        check=check_figures_csv,
        hide_key="school_id",
        writes=True,  # the export is audited
    ),
    Row(
        "reporting:figures-board",
        "the board of schools A and B",
        "GET",
        everyone(FORBIDDEN),  # only administrators (tests/reporting/test_figures.py); 404 outside the board
        lambda w: {"board_id": w.a.school.board_id},
        hide_key="board_id",
    ),
    Row(
        "reporting:figures-board-csv",
        "the board of schools A and B",
        "GET",
        everyone(FORBIDDEN),
        lambda w: {"board_id": w.a.school.board_id},
        hide_key="board_id",
    ),
    Row(
        "cases:case-transition",
        "not a user transition",
        "POST",
        expect(),  # 404 for those who cannot see the case, and for those who can: no such step
        lambda w: {"pk": w.case.pk, "name": "close"},
        data=lambda w: {"expected_state": CaseState.SIGNALLING, "reason": ""},
    ),
]


# --- Rows derived from the registry of record kinds -----------------------------------------------------------
# A kind of record that a case page adds through ``views.entry_add`` (``records.ADDED_BY_ENTRY_ADD``) brings its own
# URL. Its row follows from the permission the kind declares and what each role of the standard cast holds on the
# standard case (opened by the teacher of group 1): a holder gets the form, a role that sees the case without the
# permission 403, everyone else 404. A new kind therefore gets its row without an edit here; the kinds that have a
# row written out above are checked against what the derivation gives (``test_registry_rows_agree_...``).

CAST_PERMISSIONS = {
    "teacher": {*perms.CLASS_TEACHER_PERMISSIONS, *perms.OPENER_PERMISSIONS},
    "ib": set(perms.ROLE_PERMISSIONS[Role.IB]),
    "af": set(perms.ROLE_PERMISSIONS[Role.AF]),
}


def registry_row(key: str, kind: records.RecordKind) -> Row:
    holders = {role: permissions for role, permissions in CAST_PERMISSIONS.items() if perms.VIEW in permissions}
    return Row(
        f"cases:{key}-add",
        "",
        "GET",
        expect(**{role: OK if kind.adding.permission in held else FORBIDDEN for role, held in holders.items()}),
        case_pk,
        check=check_entry_form(key),
        also_accepts="POST",
    )


REGISTRY_ROWS = [registry_row(key, kind) for key, kind in records.ADDED_BY_ENTRY_ADD.items()]
ROWS += [row for row in REGISTRY_ROWS if row.url_name not in {r.url_name for r in ROWS}]
ROW_IDS = [row.id for row in ROWS]
assert len(set(ROW_IDS)) == len(ROW_IDS), "row ids must be unique"


def test_registry_rows_agree_with_the_rows_written_out():
    """The derivation is right for every kind whose row is written out by hand (an independent statement of who
    may add it), so that it can be trusted for a kind added later."""
    written = {row.url_name: row for row in ROWS if not row.label}
    for derived in REGISTRY_ROWS:
        assert derived.expect == written[derived.url_name].expect, derived.url_name


def _rows_by_method(method: str) -> list[Row]:
    return [row for row in ROWS if row.method == method]


# --- URL enumeration -------------------------------------------------------------------------------------------


def walk_urlpatterns(resolver=None, namespace: tuple[str, ...] = (), prefix: str = ""):
    """Yield (full name or None, namespace, full route, pattern) for every URL pattern, nested resolvers included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk_urlpatterns(
                pattern, (*namespace, pattern.namespace) if pattern.namespace else namespace, route
            )
        else:
            assert isinstance(pattern, URLPattern)
            name = ":".join((*namespace, pattern.name)) if pattern.name else None
            yield name, namespace, route, pattern


ADMIN_SITE_NAMES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
    "app_list",
}
# URLs that a ModelAdmin adds of its own (``get_urls``). A new one needs a look (and a line here).
ADMIN_EXTRA_NAMES = {
    "auth_user_password_change",  # UserAdmin: set a user's password
    "schools_pupil_import",  # PupilAdmin: the pupil import (tests/schools/test_pupil_import.py: staff with rights only)
}
ADMIN_MODEL_VIEWS = ["changelist", "add", "history", "delete", "change"]


def expected_admin_names() -> set[str]:
    names = ADMIN_SITE_NAMES | ADMIN_EXTRA_NAMES
    for model in admin.site._registry:
        names |= {f"{model._meta.app_label}_{model._meta.model_name}_{view}" for view in ADMIN_MODEL_VIEWS}
    return {f"admin:{name}" for name in names}


def is_admin_name(name: str) -> bool:
    return name.startswith("admin:")


def _route_params(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


ADMIN_URLS = sorted(
    (name, route) for name, _ns, route, _p in walk_urlpatterns() if name is not None and is_admin_name(name)
)


def admin_url(name: str, route: str) -> str:
    kwargs = {param: ("cases" if param == "app_label" else "1") for param in _route_params(route)}
    return reverse(name, kwargs=kwargs)


def test_every_url_has_a_row():
    found_names: set[str] = set()
    for name, namespace, route, pattern in walk_urlpatterns():
        if name is not None:
            found_names.add(name)
            continue
        # Unnamed patterns: only the admin's own (the object redirect and the catch-all) and, in DEBUG, static files.
        callback = f"{pattern.callback.__module__}.{pattern.callback.__name__}"
        assert namespace == ("admin",) or callback == "django.contrib.staticfiles.views.serve", (
            f"URL {route!r} has no name: give it one and a row in the permission matrix"
        )
    app_names = {name for name in found_names if not is_admin_name(name)}
    assert app_names == {row.url_name for row in ROWS}, "every URL needs a row in the permission matrix"
    assert {name for name in found_names if is_admin_name(name)} == expected_admin_names()


def test_every_row_covers_every_actor():
    for row in ROWS:
        assert set(row.expect) == set(ACTORS), row.id


# --- The matrix --------------------------------------------------------------------------------------------------


def _request(client: Client, method: str, path: str, data: dict):
    return client.get(path) if method == "GET" else client.post(path, data)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_matrix(row: Row, actor: str, cast_a, cast_b):
    world = build_world(cast_a, cast_b, **row.world)
    user = world.user(actor)
    outcome = row.expect[actor]
    kwargs = row.url_kwargs(world)
    path = reverse(row.url_name, kwargs=kwargs)
    client = client_for_actor(world, actor)
    before = snapshot(world)

    response = _request(client, row.method, path, row.data(world))

    assert_outcome(response, outcome, path)
    if outcome in (OK, DONE) and row.check:
        row.check(world, actor, response)
    if not (outcome in (OK, DONE) and row.writes):
        assert snapshot(world) == before, "a request that is not a successful POST must write nothing"
    if outcome not in (OK, DONE) or row.url_name not in ("cases:case-detail", "cases:case-audit"):
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, user=user).exists()
    if outcome in (HIDDEN, FORBIDDEN) and path.startswith("/dossiers/") and "pk" in kwargs:
        # Every refused attempt on a case's URL is in that case's audit trail (a case that does not exist: none).
        assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, user=user, case=world.case).count() == 1
    if outcome in (HIDDEN, LOGIN, FORBIDDEN):
        content = response.content.decode()
        assert world.case.reference not in content
        assert world.pupil.last_name not in content
    if outcome == HIDDEN and row.hide_key:
        # Indistinguishable from an object that does not exist.
        missing = reverse(row.url_name, kwargs={**kwargs, row.hide_key: NO_SUCH_ID})
        assert _request(client, row.method, missing, row.data(world)).status_code == 404


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", [r for r in ROWS if r.also_accepts == "POST"], ids=lambda r: r.id)
def test_an_incomplete_post_is_answered_like_the_get(row: Row, actor: str, cast_a, cast_b):
    """The views that take GET and POST check access before they look at the form: an incomplete POST gets the
    same answer as the GET (the form again with its errors for those allowed), and writes nothing. (A POST without
    any field leaves these forms unbound — ``request.POST or None`` — so one empty field is sent, as a browser
    always sends at least the CSRF token.)"""
    world = build_world(cast_a, cast_b, **row.world)
    path = reverse(row.url_name, kwargs=row.url_kwargs(world))
    before = snapshot(world)

    response = client_for_actor(world, actor).post(path, {"onvolledig": ""})

    assert_outcome(response, row.expect[actor], path)
    if response.status_code == 200:
        assert response.context["form"].errors
    assert snapshot(world) == before


# Views that take GET and POST (their GET row says ``also_accepts="POST"``) may have a POST row too: not POST-only.
GET_AND_POST = {row.url_name for row in ROWS if row.also_accepts == "POST"}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    "row", [r for r in _rows_by_method("POST") if r.url_name not in GET_AND_POST], ids=lambda r: r.id
)
def test_post_only_views_refuse_get(row: Row, actor: str, cast_a, cast_b):
    """POST-only views answer GET with 405. ``require_POST`` is the outermost decorator, so the method is refused
    before login or the case are looked at: 405 for everyone, the same for a case that does not exist — so the
    answer reveals nothing."""
    world = build_world(cast_a, cast_b, **row.world)
    kwargs = row.url_kwargs(world)
    before = snapshot(world)
    client = client_for_actor(world, actor)

    response = client.get(reverse(row.url_name, kwargs=kwargs))

    if row.url_name == "logout":
        # Django's LogoutView: login_required does not apply; GET is simply not allowed.
        assert response.status_code == 405
    elif row.url_name == "set_language":
        # set_language answers GET with a redirect (or 204) and changes nothing.
        assert response.status_code in (204, 302)
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    else:
        assert response.status_code == 405
        if row.hide_key:
            missing = client.get(reverse(row.url_name, kwargs={**kwargs, row.hide_key: NO_SUCH_ID}))
            assert missing.status_code == response.status_code
    assert snapshot(world) == before


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", [r for r in _rows_by_method("GET") if r.also_accepts is None], ids=lambda r: r.id)
def test_get_only_views_refuse_post(row: Row, actor: str, cast_a, cast_b):
    world = build_world(cast_a, cast_b, **row.world)
    before = snapshot(world)

    response = client_for_actor(world, actor).post(reverse(row.url_name, kwargs=row.url_kwargs(world)), {})

    if row.url_name == "login":
        # The login view takes POST (the login form): an empty form is no login.
        assert response.status_code in (200, 302)
        if actor == ANONYMOUS:
            assert response.status_code == 200 and response.context["form"].errors
    else:
        assert response.status_code == 405
    assert snapshot(world) == before


def test_a_teacher_sees_own_start_page_with_the_cases_of_their_group(cast_a, cast_b):
    world = build_world(cast_a, cast_b)
    for user, listed in [(cast_a.teacher, True), (cast_a.other_teacher, False), (cast_a.contact_person, False)]:
        membership = Membership.objects.get(user=user)
        client = Client()
        login_verified(client, user)
        response = client.get(reverse("start", kwargs={"school_id": cast_a.school.pk, "role": membership.role}))
        assert response.status_code == 200
        assert (world.case.pk in {c.pk for c in response.context["cases"]}) == listed, user


# --- Entries are fetched through their case ----------------------------------------------------------------------


def test_an_entry_of_another_case_is_not_found_through_a_visible_case(cast_a, cast_b):
    """A visible case's URL with the id of another school's signal or skip: 404, and nothing is written."""
    world = build_world(cast_a, cast_b, state=CaseState.PARENT_TALK)
    other = build_world(cast_b, cast_a, state=CaseState.PARENT_TALK, skip=True)
    client = Client()
    login_verified(client, cast_a.af)
    before = snapshot(world)

    follow_up = client.get(
        reverse("cases:signal-follow-up", kwargs={"pk": world.case.pk, "signal_id": other.signal.pk})
    )
    confirm = client.post(reverse("cases:skip-confirm", kwargs={"pk": world.case.pk, "skip_id": other.skip.pk}))
    correct = client.get(reverse("cases:signal-add", kwargs={"pk": world.case.pk}) + f"?corrigeert={other.signal.pk}")

    assert (follow_up.status_code, confirm.status_code, correct.status_code) == (404, 404, 404)
    assert not ParentTalkSkipConfirmation.objects.filter(skip=other.skip).exists()
    assert snapshot(world) == before


# --- Roles held twice ----------------------------------------------------------------------------------------------


def test_a_person_with_two_roles_at_the_school_can_open_a_case(cast_a, client_for):
    """Regression: ``signal_new`` looked the school up through a join on memberships, so two memberships at one
    school (teacher and contact person) gave MultipleObjectsReturned — a 500."""
    factories.MembershipFactory(user=cast_a.teacher, school=cast_a.school, role=Role.CONTACT_PERSON)
    other_group_pupil = factories.PupilFactory(class_group=cast_a.group2)
    response = client_for(cast_a.teacher).get(reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk}))
    assert response.status_code == 200
    assert response.context["school"] == cast_a.school
    # As the contact person they may choose any pupil of the school, not only those of their own group.
    assert other_group_pupil in set(response.context["form"].fields["pupil"].queryset)


# --- No case permission at model level ---------------------------------------------------------------------------


def _case_permission_ids() -> set[int]:
    content_type = ContentType.objects.get_for_model(Case)
    ids = set(Permission.objects.filter(content_type=content_type).values_list("pk", flat=True))
    assert {f"{p}" for p in perms.ALL_CASE_PERMISSIONS} <= set(
        Permission.objects.filter(pk__in=ids).values_list("codename", flat=True)
    )
    return ids


def test_no_user_or_group_holds_a_case_permission_at_model_level(cast_a, cast_b):
    world = build_world(cast_a, cast_b, state=CaseState.PARENT_TALK, conversation=True)
    factories.advance(cast_a.ib, world.case, "to_weighing")
    factories.open_case(cast_b.teacher, factories.PupilFactory(class_group=cast_b.group1))
    access.sync_all()
    case_permissions = _case_permission_ids()

    held_by_users = User.user_permissions.through.objects.filter(permission_id__in=case_permissions)
    held_by_groups = Group.permissions.through.objects.filter(permission_id__in=case_permissions)

    assert list(held_by_users.values_list("user__username", "permission__codename")) == []
    assert list(held_by_groups.values_list("group__name", "permission__codename")) == []
    # The access is there, as object permissions: the test is not vacuous.
    assert perms.can(cast_a.ib, perms.TO_WEIGHING, world.fresh_case())
    assert not perms.can(cast_b.ib, perms.VIEW, world.fresh_case())


def test_a_model_level_grant_does_not_open_another_schools_case(cast_a, cast_b):
    """If someone granted case permissions at model level, another school's user would still see nothing."""
    world = build_world(cast_a, cast_b)
    content_type = ContentType.objects.get_for_model(Case)
    granted = Permission.objects.filter(content_type=content_type, codename__in=[perms.VIEW, perms.TO_CONSULTING])
    assert granted.count() == 2
    cast_b.ib.user_permissions.add(*granted)
    outsider = User.objects.get(pk=cast_b.ib.pk)  # fresh: no permission cache
    assert outsider.has_perm(f"cases.{perms.VIEW}")  # the grant took effect at model level
    case = world.fresh_case()
    before = snapshot(world)

    assert not perms.case_queryset_for_user(outsider).filter(pk=case.pk).exists()
    assert not perms.case_queryset_for_user(outsider, perms.TO_CONSULTING).filter(pk=case.pk).exists()
    assert not perms.can(outsider, perms.VIEW, case)
    assert not perms.can(outsider, perms.TO_CONSULTING, case)
    with pytest.raises(PermissionDenied):
        services.case_transition(
            user=outsider, case_id=case.pk, name="to_consulting", expected_state=CaseState.SIGNALLING
        )
    client = Client()
    login_verified(client, outsider)
    assert client.get(reverse("cases:case-detail", kwargs={"pk": case.pk})).status_code == 404
    transition = client.post(
        reverse("cases:case-transition", kwargs={"pk": case.pk, "name": "to_consulting"}),
        {"expected_state": CaseState.SIGNALLING},
    )
    assert transition.status_code == 404
    listed = client.get(reverse("cases:case-list")).context["page"].object_list
    assert case.pk not in {c.pk for c in listed}
    assert snapshot(world) == before


def test_a_model_level_grant_does_not_open_a_case_of_another_group(cast_a, cast_b):
    """The same within one school: a grant at model level gives the teacher of group 2 nothing."""
    world = build_world(cast_a, cast_b)
    content_type = ContentType.objects.get_for_model(Case)
    cast_a.other_teacher.user_permissions.add(
        *Permission.objects.filter(content_type=content_type, codename__in=[perms.VIEW, perms.TO_CONSULTING])
    )
    outsider = User.objects.get(pk=cast_a.other_teacher.pk)
    case = world.fresh_case()

    assert not perms.case_queryset_for_user(outsider).filter(pk=case.pk).exists()
    assert not perms.can(outsider, perms.TO_CONSULTING, case)
    with pytest.raises(PermissionDenied):
        services.case_transition(
            user=outsider, case_id=case.pk, name="to_consulting", expected_state=CaseState.SIGNALLING
        )
    assert world.fresh_case().state == CaseState.SIGNALLING


def test_the_superuser_flag_does_not_show_a_case(cast_a, cast_b):
    """A superuser (the application manager) who also works at the school sees only the cases their roles give."""
    world = build_world(cast_a, cast_b)
    User.objects.filter(pk=cast_a.other_teacher.pk).update(is_superuser=True, is_staff=True)
    boss = User.objects.get(pk=cast_a.other_teacher.pk)
    client = Client()
    login_verified(client, boss)

    assert not perms.case_queryset_for_user(boss).filter(pk=world.case.pk).exists()
    assert client.get(reverse("cases:case-detail", kwargs={"pk": world.case.pk})).status_code == 404


# Every row on a case's URL (``/dossiers/<pk>/...``), GET and POST: what a stranger to the case gets there.
CASE_ROWS = [row for row in ROWS if row.hide_key == "pk"]


@pytest.mark.parametrize("row", CASE_ROWS, ids=lambda r: r.id)
def test_an_administrator_who_grants_themselves_a_role_gets_nothing(row: Row, cast_a, cast_b):
    """Issue 18: the administrator adds a Membership for themselves (school A, aandachtsfunctionaris) in the admin, or
    asks for the role as a role grant — and another administrator's grant waits unconfirmed too. Every case URL
    still answers as to a stranger (404), writes nothing, and the refusal is in the case's audit trail."""
    world = build_world(cast_a, cast_b, **row.world)
    root = User.objects.create_superuser("beheer-zelf", "zelf@example.invalid", factories.PASSWORD)
    other_admin = User.objects.create_superuser("beheer-ander", "ander@example.invalid", factories.PASSWORD)
    client = login_verified(Client(), root)
    client.post(reverse("admin:schools_membership_add"), {"user": root.pk, "school": cast_a.school.pk, "role": "af"})
    client.post(reverse("admin:schools_rolegrant_add"), {"user": root.pk, "school": cast_a.school.pk, "role": "af"})
    roles.role_grant_request(actor=other_admin, user=root, school=cast_a.school, role=Role.AF)  # not confirmed
    assert not Membership.objects.filter(user=root).exists()
    kwargs = row.url_kwargs(world)
    path = reverse(row.url_name, kwargs=kwargs)
    before = snapshot(world)

    response = _request(client, row.method, path, row.data(world))

    assert response.status_code == 404, (row.id, response.status_code)
    assert snapshot(world) == before
    assert world.pupil.last_name not in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, user=root, case=world.case).count() == 1


def _make_superuser(user: User) -> User:
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ["teacher", "other_teacher"])
def test_the_superuser_flag_gives_no_case_rights(role, cast_a, cast_b):
    """``can`` must count object permissions only: a superuser who is a teacher at the school may do what a
    teacher may do there, and no more. (Regression: guardian's ``ObjectPermissionChecker.get_perms`` gives an
    active superuser every permission.)"""
    world = build_world(cast_a, cast_b)
    boss = _make_superuser(cast_a.by_role(role))
    case = world.fresh_case()

    refused = [perms.CONSULT, perms.TALK_PARENTS, perms.TO_PARENT_TALK, perms.TO_WEIGHING, perms.CONFIRM_SKIP]
    if role == "other_teacher":
        refused += [perms.VIEW, perms.ADD_SIGNAL, perms.TO_CONSULTING]
    assert [p for p in refused if perms.can(boss, p, case)] == []


def test_the_superuser_flag_does_not_let_a_teacher_of_another_group_move_the_case(cast_a, cast_b):
    world = build_world(cast_a, cast_b)
    boss = _make_superuser(cast_a.other_teacher)
    before = snapshot(world)

    with pytest.raises(PermissionDenied):
        services.case_transition(
            user=boss, case_id=world.case.pk, name="to_consulting", expected_state=CaseState.SIGNALLING
        )
    assert snapshot(world) == before


def test_the_superuser_flag_does_not_let_a_class_teacher_record_a_consultation(cast_a, cast_b):
    world = build_world(cast_a, cast_b, state=CaseState.CONSULTING)
    boss = _make_superuser(cast_a.teacher)
    client = Client()
    login_verified(client, boss)

    assert client.get(reverse("cases:consultation-add", kwargs={"pk": world.case.pk})).status_code == 403


# --- The admin ---------------------------------------------------------------------------------------------------


def _lands_on_admin_login(response) -> bool:
    return response.status_code == 200 and response.resolver_match.view_name == "admin:login"


@pytest.mark.parametrize(("name", "route"), ADMIN_URLS, ids=[name for name, _ in ADMIN_URLS])
def test_admin_sends_anonymous_users_to_the_admin_login(name, route, db):
    response = Client().get(admin_url(name, route), follow=True)
    assert _lands_on_admin_login(response), (response.status_code, response.redirect_chain)
    if name != "admin:login":
        first = urlsplit(response.redirect_chain[0][0])
        assert first.path in (reverse("admin:login"), reverse("admin:index"))


@pytest.mark.parametrize(("name", "route"), ADMIN_URLS, ids=[name for name, _ in ADMIN_URLS])
def test_admin_refuses_users_who_are_not_staff(name, route, cast_a):
    client = Client()
    login_verified(client, cast_a.ib)
    response = client.get(admin_url(name, route), follow=True)
    assert response.status_code == 403 or _lands_on_admin_login(response), (
        response.status_code,
        response.redirect_chain,
    )
    assert "available_apps" not in (response.context or {}) or response.context["available_apps"] == []


ADMIN_ADD_URLS = [(name, route) for name, route in ADMIN_URLS if name.endswith("_add")]


@pytest.mark.parametrize(("name", "route"), ADMIN_ADD_URLS, ids=[name for name, _ in ADMIN_ADD_URLS])
def test_admin_add_refuses_a_post_from_users_who_are_not_staff(name, route, cast_a):
    model_name = name.removeprefix("admin:").removesuffix("_add")
    model = next(m for m in admin.site._registry if f"{m._meta.app_label}_{m._meta.model_name}" == model_name)
    client = Client()
    login_verified(client, cast_a.ib)  # (a login is itself recorded by the lock-out's access log)
    count = model.objects.count()
    response = client.post(admin_url(name, route), {"name": "x", "username": "x"})
    assert response.status_code in (302, 403)
    assert model.objects.count() == count


def test_admin_catch_all_sends_anonymous_users_to_the_admin_login(db):
    response = Client().get("/beheer/bestaat-niet/", follow=True)
    assert _lands_on_admin_login(response)


# The case and its chronology, as far as they are registered in the admin (cases/admin.py: read-only, metadata).
CASE_ADMIN_MODELS = [
    model
    for model in apps.get_app_config("cases").get_models()
    if (model is Case or issubclass(model, AppendOnlyModel)) and model in admin.site._registry
]


def test_the_admin_shows_no_case_content():
    """Case content (signals, consultations, conversations…) is read in the application, where every read is
    audited and access follows the school roles — not in the admin (cases/admin.py)."""
    registered = sorted(m.__name__ for m in admin.site._registry if issubclass(m, Entry))
    assert registered == []


@pytest.mark.parametrize("model", CASE_ADMIN_MODELS, ids=lambda m: m.__name__)
def test_a_superuser_may_look_at_case_models_in_the_admin_but_change_nothing(model, cast_a, cast_b):
    """The case (its step changes only through its transitions) and the append-only chronology are read-only."""
    world = build_world(cast_a, cast_b, state=CaseState.PARENT_TALK, conversation=True, skip=True)
    root = User.objects.create_superuser("beheerder", "beheer@example.invalid", factories.PASSWORD)
    client = Client()
    login_verified(client, root)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    changelist = client.get(reverse(f"{prefix}_changelist"))
    assert changelist.status_code == 200

    obj = model.objects.first()
    assert obj is not None, "the world has a row of every registered case model"
    assert obj.pk in {row.pk for row in changelist.context["cl"].result_list}

    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = root
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert "delete_selected" not in model_admin.get_actions(request)
    before = snapshot(world)
    audit_rows = AuditEvent.objects.count()
    assert client.get(reverse(f"{prefix}_add")).status_code == 403
    assert client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200  # view only
    assert client.post(reverse(f"{prefix}_change", args=[obj.pk]), {}).status_code == 403
    assert client.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert snapshot(world) == before
    assert AuditEvent.objects.count() == audit_rows


# --- Restricted records by role (cases/visibility.py) -----------------------------------------------------------------
# Seeing a case is the rows above; reading each record of it is the role table of cases/visibility.py. For every kind
# of record of the registry × every role that can see the case: is the kind's content on the case page (everything on
# one page, and the pages of the chronology), or only its summary, or nothing? The content of a kind is every marker
# of its model's fields (tests.rows) that the aandachtsfunctionaris's page shows.

READING_ROLES = ["teacher", "contact_person", "ib", "af"]


def _case_with_a_row_of_every_kind(cast: SchoolCast):
    """A case opened by the internal contact person (they see it as its opener) about a pupil of group 1 (its
    teacher sees it), with a row of every kind of record, each written by the IB'er."""
    from schools.models import School
    from tests.rows import make_row

    pupil = factories.PupilFactory(class_group=cast.group1)
    case = factories.open_case(cast.contact_person, pupil)
    given = {
        Case: case,
        User: cast.ib,
        School: cast.school,
        Pupil: pupil,
        Guardian: factories.GuardianFactory(pupil=pupil),
        SocialMapEntry: factories_social_map_entry(cast),
    }
    rows = {kind.kind: make_row(kind.model, given=given) for kind in records.KINDS_IN_ORDER}
    return Case.objects.get(pk=case.pk), rows


def factories_social_map_entry(cast: SchoolCast) -> SocialMapEntry:
    from schools.models import School
    from tests.rows import make_row

    return make_row(SocialMapEntry, given={School: cast.school})


def _pages(client: Client, case: Case) -> dict[str, tuple[str, dict]]:
    """The case page with the whole chronology, and all its pages of the chronology: for each, the HTML and the
    rendered items by (kind, id)."""

    def read(response) -> tuple[str, dict]:
        assert response.status_code == 200
        timeline = response.context["timeline"]
        items = {(i.kind, i.entry.pk): html for i, html in zip(timeline.items, timeline.html, strict=True)}
        return response.content.decode(), items

    whole = read(client.get(f"/dossiers/{case.pk}/?pagina=alle"))
    first = client.get(f"/dossiers/{case.pk}/")
    pages = [read(first)]
    for number in range(2, first.context["timeline"].page.paginator.num_pages + 1):
        pages.append(read(client.get(f"/dossiers/{case.pk}/?pagina={number}")))
    joined = ("".join(html for html, _items in pages), {k: v for _html, items in pages for k, v in items.items()})
    return {"whole": whole, "pages": joined}


MARKER = re.compile(r"«\w+\.\w+»")


@pytest.mark.parametrize("role", READING_ROLES)
def test_every_kind_of_record_is_read_by_each_role_as_the_role_table_says(role, cast_a, client_for):
    from django.utils import translation

    from cases import visibility

    case, rows = _case_with_a_row_of_every_kind(cast_a)
    _full_html, full_items = _pages(client_for(cast_a.af), case)["whole"]
    user = cast_a.by_role(role)
    seen = _pages(client_for(user), case)
    reader = visibility.reader_for(user, case)
    assert reader.role == role
    for kind in records.CHRONOLOGY:
        key = (kind.kind, rows[kind.kind].pk)
        content = set(MARKER.findall(full_items[key]))
        assert content, f"{kind.kind}: the aandachtsfunctionaris reads its content"
        how = visibility.level(reader, kind.kind, rows[kind.kind])
        rule = visibility.RULES.get(kind.kind)
        for where, (html, items) in seen.items():
            if how == visibility.FULL:
                assert set(MARKER.findall(items[key])) == content, (kind.kind, role, where)
            elif how == visibility.SUMMARY:  # that it exists, when and by whom; none of its content
                assert not MARKER.findall(items[key]), (kind.kind, role, where)
                with translation.override("nl"):
                    assert str(rule.summary) in items[key], (kind.kind, role, where)
            else:
                assert key not in items, (kind.kind, role, where)
            if how != visibility.FULL:  # nowhere on the page: not the kind's own fields, and never a withheld one
                withheld = set(rule.withheld) if rule else {f.name for f in kind.model._meta.concrete_fields}
                leaked = {m for m in MARKER.findall(html) if m.startswith(f"«{kind.model.__name__}.")}
                assert not leaked, (kind.kind, role, where, leaked)
                assert not {m for m in leaked if m[1:-1].split(".")[1] in withheld}
    # What each role reads, written out (the table of cases/visibility.py as the tests expect it).
    expected_restricted = {
        "teacher": {
            "kindcheck",
            "skip",
            "weighing",
            "risk",
            "report",
            "outcome",
            "suspect",
            "board",
            "inspector",
            "police",
            "accessrequest",
            "accessanswer",
            "legalhold",
            "childconversation",  # issue 17: that the conversation was held, not the child's words
        },
        "ib": {"suspect", "board", "inspector", "police"},
        "af": set(),
    }
    # Hidden altogether (issue 17): a teacher must not learn of earlier cases, not even that one was looked at.
    expected_hidden = {"teacher": {"lookback"}, "ib": set(), "af": set()}
    levels = {kind.kind: visibility.level(reader, kind.kind, rows[kind.kind]) for kind in records.CHRONOLOGY}
    if role == "contact_person":  # every record here is someone else's: nothing of the chronology
        assert set(levels.values()) == {visibility.HIDDEN}
    else:
        assert {k for k, how in levels.items() if how == visibility.SUMMARY} == expected_restricted[role]
        assert {k for k, how in levels.items() if how == visibility.HIDDEN} == expected_hidden[role]


def test_the_outcome_of_veilig_thuis_as_each_role_reads_it(cast_a, client_for):
    """Finding 7 of issue 18 in the matrix: the teacher reads only that Veilig Thuis decided."""
    from cases.models import VeiligThuisOutcome

    case, _rows = _case_with_a_row_of_every_kind(cast_a)
    expectations = "«VeiligThuisOutcome.expectations»"
    contact = "«VeiligThuisOutcome.receiving_contact»"
    reads = {role: _pages(client_for(cast_a.by_role(role)), case)["whole"][0] for role in READING_ROLES}
    assert VeiligThuisOutcome.objects.filter(case=case).exists()
    assert {role for role, html in reads.items() if expectations in html and contact in html} == {"ib", "af"}
    assert "Veilig Thuis heeft een besluit genomen" in reads["teacher"]
    assert "Veilig Thuis heeft een besluit genomen" not in reads["contact_person"]


# --- Route B: who may see a staff case (issue 17, item 1; domain.md §9.3) ------------------------------------------

# Besides the standard cast: a second IB'er and the board's contact person at school A.
ROUTE_B_EXTRA = ("ib2", "board")
# The URLs of a route B case, each with the outcome for someone who holds the case with the staff route's permission
# (the AF and the board contact), for an IB'er who holds it to read, and for everyone else (404: they must not learn
# that it exists). The inspector's page is offered while the board is to be informed.
ROUTE_B_URLS = [
    ("cases:case-detail", {}, OK, OK),
    ("cases:case-audit", {}, OK, FORBIDDEN),
    ("cases:board-add", {}, OK, FORBIDDEN),
    ("cases:suspect-add", {}, OK, FORBIDDEN),
    ("cases:signal-add", {}, OK, OK),
    ("cases:case-action", {"action": "inspector"}, OK, FORBIDDEN),
]
# (who is named as suspected, who asks, which of the three: "owner", "reader", or None — sees nothing)
ROUTE_B_ACCESS = [
    ("af", "af", None),  # the aandachtsfunctionaris named: loses access whatever their role
    ("af", "board", "owner"),  # ... and the board contact takes the case
    ("af", "ib", "reader"),
    ("other_teacher", "af", "owner"),
    ("other_teacher", "board", "owner"),
    ("other_teacher", "ib", "reader"),  # an IB'er not named
    ("ib", "ib", None),  # an IB'er named
    ("ib", "ib2", "reader"),  # ... the other IB'er, not named, reads it
    ("other_teacher", "teacher", None),  # the pupil's class teacher, who reported it, is not told by default
    ("teacher", "teacher", None),  # the class teacher named
    ("other_teacher", "other_teacher", None),  # a teacher named
    ("other_teacher", "contact_person", None),
    ("other_teacher", "b.af", None),  # another school
    ("other_teacher", "b.ib", None),
    ("other_teacher", "b.teacher", None),
]


def _route_b_world(cast_a, cast_b, named: str) -> tuple[Case, Case]:
    from cases.models import Route

    cast_a.ib2 = factories.UserFactory(username="ib2-a")
    factories.MembershipFactory(user=cast_a.ib2, school=cast_a.school, role=Role.IB)
    cast_a.board = factories.UserFactory(username="board-a")
    factories.MembershipFactory(user=cast_a.board, school=cast_a.school, role=Role.BOARD)
    pupil = factories.PupilFactory(class_group=cast_a.group1)
    case_a = factories.open_case(cast_a.teacher, pupil)
    case_b, _opened = services.signal_submit(
        user=cast_a.teacher,
        school=cast_a.school,
        pupil=pupil,
        route=Route.B,
        signal=factories.make_signal(),
        suspected=[services.Suspect(staff_member=getattr(cast_a, named))],
    )
    return case_a, Case.objects.get(pk=case_b.pk)


@pytest.mark.parametrize(
    ("named", "asker", "holds"), ROUTE_B_ACCESS, ids=[f"{n}-named-{a}" for n, a, _h in ROUTE_B_ACCESS]
)
def test_route_b_case_visibility(named, asker, holds, cast_a, cast_b):
    case_a, case_b = _route_b_world(cast_a, cast_b, named)
    user = cast_b.by_role(asker[2:]) if asker.startswith("b.") else getattr(cast_a, asker)
    client = login_verified(Client(), user)
    before = snapshot(World(a=cast_a, b=cast_b, pupil=case_b.pupils.get(), case=case_b, signal=None))
    for url_name, extra, owner_outcome, reader_outcome in ROUTE_B_URLS:
        outcome = {"owner": owner_outcome, "reader": reader_outcome, None: HIDDEN}[holds]
        path = reverse(url_name, kwargs={"pk": case_b.pk, **extra})
        response = client.get(path)
        assert response.status_code == STATUS[outcome], (url_name, response.status_code, outcome)
        if outcome == HIDDEN:
            assert case_b.reference not in response.content.decode()
    assert snapshot(World(a=cast_a, b=cast_b, pupil=case_b.pupils.get(), case=case_b, signal=None)) == before
    # The case lists and the start pages never show it to those who do not hold it.
    listed = perms.case_queryset_for_user(user).filter(pk=case_b.pk).exists()
    assert listed is (holds is not None)
    if asker in ("teacher", "other_teacher", "contact_person") and not asker.startswith("b."):
        page = client.get(reverse("cases:case-list"))
        assert case_b.reference not in page.content.decode()


def test_a_named_member_of_staff_is_a_conflict_of_interest_in_the_audit_trail(cast_a, cast_b):
    _case_a, case_b = _route_b_world(cast_a, cast_b, "af")
    row = AuditEvent.objects.get(case=case_b, action=AuditEvent.Action.CONFLICT_OF_INTEREST)
    assert row.subject_user == cast_a.af
    assert case_b.owner == cast_a.board


def test_the_board_contact_has_no_access_group_and_sees_no_other_case(cast_a, cast_b):
    _case_a, case_b = _route_b_world(cast_a, cast_b, "other_teacher")
    assert not Group.objects.filter(user=cast_a.board, access__isnull=False).exists()
    assert list(perms.case_queryset_for_user(cast_a.board)) == [case_b]
