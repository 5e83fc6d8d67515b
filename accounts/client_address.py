"""The client's address: one function for the lock-out (django-axes, ``AXES_CLIENT_IP_CALLABLE``) and the audit trail
(``cases.audit``).

Behind the TLS-terminating proxy every request comes from the proxy's address (``REMOTE_ADDR``); the client's is in
``X-Forwarded-For``, where each proxy appends the address it received the request from. Only the entries the trusted
proxies appended can be believed — whatever stands left of them the client may have written itself. So the address
is the N-th entry from the right, N being ``TRUSTED_PROXY_COUNT`` (setting ``MELDCODE_TRUSTED_PROXY_COUNT``), the
number of proxies in front of the application: 1 for one nginx or Caddy. With 0 (the application is reached
directly) the header is ignored and ``REMOTE_ADDR`` is the address.

The header is read by django-ipware (python-ipware's engine), told how many proxies to expect: the trusted
proxies' count less the one that is the connecting address (``REMOTE_ADDR``), since a proxy appends the address it
received the request from and not its own.
"""

from django.conf import settings
from ipware import get_client_ip


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "MELDCODE_TRUSTED_PROXY_COUNT", 0)
    if not proxies:
        return remote
    # Not strict: entries the client wrote itself may stand left of the proxies' (they are ignored).
    address, _routable = get_client_ip(
        request, proxy_count=proxies - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False
    )
    # No header, or fewer entries than the proxies configured: not through them, so the address that connected,
    # which the client did not choose.
    return address or remote
