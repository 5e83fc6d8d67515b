"""The client's address: one function for the lock-out (django-axes, ``AXES_CLIENT_IP_CALLABLE``) and the audit trail
(``cases.audit``).

Behind the TLS-terminating proxy every request comes from the proxy's address (``REMOTE_ADDR``); the client's is in
``X-Forwarded-For``, where each proxy appends the address it received the request from. Only the entries the trusted
proxies appended can be believed — whatever stands left of them the client may have written itself. So the address
is the N-th entry from the right, N being ``TRUSTED_PROXY_COUNT`` (setting ``MELDCODE_TRUSTED_PROXY_COUNT``), the
number of proxies in front of the application: 1 for one nginx or Caddy. With 0 (the application is reached
directly) the header is ignored and ``REMOTE_ADDR`` is the address.

(django-ipware was considered: it counts only the proxies listed *inside* the header and takes a count of 0 as "not
set", falling back to the left-most entry — the one the client writes — for the usual single proxy. The rule here is
the whole of what is needed.)
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "MELDCODE_TRUSTED_PROXY_COUNT", 0)
    if not proxies:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < proxies:
        # Not through the proxies as configured: the address that connected, which the client did not choose.
        return remote
    candidate = entries[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
