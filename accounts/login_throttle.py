"""A per-username limit on failed logins that cannot be turned against the user.

django-axes locks a username *from one address* after ``LOGIN_FAILURE_LIMIT`` failures. Someone with many addresses
gets that many tries per address; a lock per username alone would stop them, but would also lock the real user out
everywhere — five wrong passwords from anywhere would do. So the second, slower limit is per username over all
addresses and applies only to addresses from which that user has not logged in successfully lately:

- after ``LOGIN_USERNAME_FAILURE_LIMIT`` (20) failed logins for a username within the lock-out time
  (``LOGIN_LOCKOUT_MINUTES``), from any addresses together,
- a login for that username from an address without a successful login of theirs in the last
  ``LOGIN_KNOWN_ADDRESS_DAYS`` (90) is refused before the password is checked, with a Dutch message;
- from an address they did log in from (their school, their home) they log in as usual.

The failures and successful logins are django-axes' own records (``AccessAttempt``, ``AccessLog``, in the database,
so the limit holds across processes); addresses are the client's (``accounts.client_address``).
"""

from datetime import timedelta

from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from accounts.client_address import client_address


def refused(request, username: str) -> bool:
    """Is a login for ``username`` from this request's address to be refused by the per-username limit?"""
    now = timezone.now()
    failures = (
        AccessAttempt.objects.filter(username=username, attempt_time__gte=now - settings.AXES_COOLOFF_TIME).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )
    if failures < settings.MELDCODE_LOGIN_USERNAME_FAILURE_LIMIT:
        return False
    known = AccessLog.objects.filter(
        username=username,
        ip_address=client_address(request),
        attempt_time__gte=now - timedelta(days=settings.MELDCODE_LOGIN_KNOWN_ADDRESS_DAYS),
    ).exists()
    return not known
