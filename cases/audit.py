"""The audit trail: every read, change and export of a case. Rows hold no case content, only what and where."""

from contextvars import ContextVar
from dataclasses import dataclass

from accounts.client_address import client_address
from accounts.models import User
from cases.models import AuditEvent, Case
from schools.models import School


@dataclass(frozen=True)
class RequestInfo:
    path: str
    ip_address: str | None


_current: ContextVar[RequestInfo | None] = ContextVar("meldcode_request_info", default=None)


class AuditContextMiddleware:
    """Make the request's path and the client's address (``accounts.client_address``: the one the trusted proxy
    reports, as for the lock-out) available to ``audit_log`` without passing the request around."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(RequestInfo(path=request.path[:300], ip_address=client_address(request)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def audit_log(
    *,
    user: User | None,
    case: Case | None,
    action: str,
    target: str = "",
    school: School | None = None,
    subject_user: User | None = None,
) -> AuditEvent:
    """One audit row. Events about accounts and roles have no case: ``school`` is the school that sees them (its
    account log), ``subject_user`` the colleague they are about."""
    info = _current.get()
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        case=case,
        school=school,
        subject_user=subject_user,
        action=action,
        target=target[:100],
        path=info.path if info else "",
        ip_address=info.ip_address if info else None,
    )


# The URL namespaces whose URLs with a ``pk`` are a case's (``dossiers/<pk>/...``): the case's own pages, and the
# dossier's (the parent extract, the legal hold, the parents' requests).
CASE_URL_NAMESPACES = ("cases", "dossier")


class RefusedAccessAuditMiddleware:
    """Record every refused attempt (403 or 404) on a case's URL: who, when, which case (if it exists), from where.
    The person refused learns nothing from it; the aandachtsfunctionaris sees it in the case's audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        refused = response.status_code in (403, 404)
        if refused and match and match.namespace in CASE_URL_NAMESPACES and "pk" in match.kwargs:
            case = Case.objects.filter(pk=match.kwargs["pk"]).first()
            audit_log(
                user=request.user,
                case=case,
                action=AuditEvent.Action.DENIED,
                target=f"{response.status_code} {match.url_name}"[:100],
            )
        return response
