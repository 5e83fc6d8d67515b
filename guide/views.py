"""The user guide inside the application: "Help" in the menu, and "Help with this page" where a guide explains it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from cases import permissions
from guide import content
from guide.guides import GUIDES, ROLE_ORDER


def _roles(user) -> set[str]:
    return {role for _school, role in permissions.memberships_of_user(user)}


@require_safe
@login_required
def index(request):
    """Every guide, those of the user's own roles first."""
    roles = _roles(request.user)
    rank = {role: n for n, role in enumerate(ROLE_ORDER)}

    def order(guide):
        own = [rank[r] for r in guide.roles if r in roles]
        return (min(own) if own else len(rank) + (0 if guide.roles else 1), guide.title)

    guides = sorted(GUIDES.values(), key=order)
    own = [guide for guide in guides if roles.intersection(guide.roles) or (request.user.is_staff and not guide.roles)]
    return render(request, "guide/index.html", {"guides": guides, "own": own, "title": gettext("Help")})


@require_safe
@login_required
def page(request, slug: str):
    guide = GUIDES.get(slug)
    if guide is None:
        raise Http404
    html, toc = content.render(slug)
    return render(request, "guide/page.html", {"guide": guide, "html": html, "toc": toc, "title": guide.title})
