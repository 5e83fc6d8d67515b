import functools

from accounts import second_factor
from cases import alerts, permissions


def navigation(request):
    """Menu items that depend on the user's roles, and the urgent alerts. Evaluated only when a page shows them; the
    roles come from the memberships query that the page's permission checks cache on the user
    (``permissions.memberships_of_user``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The open urgent alerts of the schools where the user is aandachtsfunctionaris or IB'er, at the top of every page
    # (``cases.alerts``): read once, when the page shows them.
    # Not before the second factor is passed: the pages to enter or set it up show no case.
    if not second_factor.is_verified(user):
        return {"nav_figures": lambda: permissions.may_see_figures(user)}
    return {
        "nav_figures": lambda: permissions.may_see_figures(user),
        "urgent_alerts": functools.cache(lambda: alerts.open_alerts_for_user(user)),
    }
