from django.urls import reverse

from cases import permissions
from guide.guides import PAGE_HELP, ROLE_GUIDES, ROLE_ORDER, ROLE_PAGES


def page_help(request):
    """``page_help_url``: the part of the user guide that explains the current page, when there is one. Pages that
    every role sees (the start page, a case) link to the guide of the user's most involved role."""
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if user is None or not user.is_authenticated or match is None:
        return {}
    view_name = match.view_name

    def url():
        if view_name in ROLE_PAGES:
            roles = {role for _school, role in permissions.memberships_of_user(user)}
            role = next((r for r in ROLE_ORDER if r in roles), None)
            if role is None:
                return None
            slug, anchor = ROLE_GUIDES[role], ROLE_PAGES[view_name]
        elif view_name in PAGE_HELP:
            slug, anchor = PAGE_HELP[view_name]
        else:
            return None
        return f"{reverse('guide:page', kwargs={'slug': slug})}#{anchor}"

    return {"page_help_url": url}
