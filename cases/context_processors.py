from cases import permissions


def navigation(request):
    """Menu items that depend on the user's roles. Evaluated only when a page shows the menu; the roles come from
    the memberships query that the page's permission checks cache on the user (``permissions.memberships_of_user``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_figures": lambda: permissions.may_see_figures(user)}
