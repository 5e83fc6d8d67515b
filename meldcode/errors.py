"""The error handlers for 500 and 400 (``handler500``, ``handler400``): the database unreachable is a 503 with a retry
hint, anything else the ordinary error page.

Django turns an exception raised anywhere below the outermost middleware (a view, the session, the user, the second
factor) into a response by calling ``handler500`` inside its ``except`` block, so the exception is at hand here
(``sys.exception()``) for every layer, not only for views. A lost connection (PostgreSQL restarting, failing over
to the replica, the network between them gone) raises ``OperationalError`` or ``InterfaceError``: the request could
not be completed and nothing of it was stored (each write is one transaction), so the user is told in Dutch to try
again in a moment, with ``Retry-After``. The page is rendered without a request, like the 500 page: no session,
user or messages are looked up, so it needs no database. No traceback ever reaches the response (DEBUG is off in
production; the exception is logged as any server error).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable() -> HttpResponse:
    body = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def server_error(request, template_name: str = "500.html"):
    if database_unavailable(sys.exception()):
        return unavailable()
    return HttpResponseServerError(loader.get_template(template_name).render())


@requires_csrf_token
def bad_request(request, exception, template_name: str = "400.html"):
    """A 400, unless the database went away: the session could not be saved at the end of the request (Django's
    ``SessionInterrupted``, raised from the lost connection's error) is the 503 too."""
    if database_unavailable(exception):
        return unavailable()
    return defaults.bad_request(request, exception, template_name)
