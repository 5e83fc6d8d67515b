"""The user guide: one Dutch guide per role (``guide/content/<slug>.md``), its screenshots, and which page of the
application each part of the guide explains.

The screenshots are made by a browser test from the demo data (``tests/browser/test_guide_browser.py``; ``make guide``
writes them into ``guide/static/guide/shots/``). Each ``Shot`` names the demo user, the page (found in the demo data
by its state, never by a hard-coded number) and the heading the page must show: when a documented page no longer
exists or no longer shows what the guide says, the test fails.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schools.models import Role


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    roles: tuple[str, ...]  # the roles for whom this guide comes first on the help page


GUIDES: dict[str, Guide] = {
    guide.slug: guide
    for guide in (
        Guide("leerkracht", _("Guide for teachers"), (Role.TEACHER, Role.CONTACT_PERSON)),
        Guide("intern-begeleider", _("Guide for the IB'er"), (Role.IB,)),
        # The board contact handles route B cases, as the aandachtsfunctionaris does (its section on route B).
        Guide("aandachtsfunctionaris", _("Guide for the aandachtsfunctionaris"), (Role.AF, Role.BOARD)),
        Guide("beheerder", _("Guide for the administrator"), ()),
    )
}


def _case(brin: str, state: str) -> int:
    """The first demo case of the school with ``brin`` in ``state`` (``load_demo`` has one in every state)."""
    from cases.models import Case

    return Case.objects.filter(school__brin=brin, state=state).order_by("pk").values_list("pk", flat=True)[0]


def _school(brin: str) -> int:
    from schools.models import School

    return School.objects.get(brin=brin).pk


def _case_url(name: str, state: str, brin: str = "99XA") -> Callable[[], str]:
    return lambda: reverse(name, kwargs={"pk": _case(brin, state)})


@dataclass(frozen=True)
class Shot:
    """A screenshot of the guide: ``<name>-desktop.png`` (1280×800) and ``<name>-phone.png`` (375×812)."""

    name: str
    guide: str
    username: str  # a demo login (README, "Demo logins")
    url: Callable[[], str]
    heading: str  # text of the page's first heading: proves that the page is the one the guide describes


SHOTS: tuple[Shot, ...] = (
    # The teacher (Femke Dijkhuis, groep 3 of De Vlinderboom).
    Shot("leerkracht-start", "leerkracht", "leerkracht-a1", lambda: reverse("home"), "Start"),
    Shot(
        "leerkracht-signaal",
        "leerkracht",
        "leerkracht-a1",
        lambda: reverse("cases:signal-new", kwargs={"school_id": _school("99XA")}),
        "Signaal vastleggen",
    ),
    Shot("leerkracht-dossier", "leerkracht", "leerkracht-a1", _case_url("cases:case-detail", "signalling"), "Dossier"),
    # The IB'er (Marloes Tuinstra).
    Shot("ib-start", "intern-begeleider", "ib-a", lambda: reverse("home"), "Start"),
    Shot(
        "ib-consultatie",
        "intern-begeleider",
        "ib-a",
        _case_url("cases:consultation-add", "consulting"),
        "Consultatie",
    ),
    Shot(
        "ib-oudergesprek",
        "intern-begeleider",
        "ib-a",
        _case_url("cases:conversation-add", "parent_talk"),
        "Gesprek met de ouders",
    ),
    Shot(
        "ib-sociale-kaart",
        "intern-begeleider",
        "ib-a",
        lambda: reverse("schools:social-map", kwargs={"school_id": _school("99XA")}),
        "Sociale kaart",
    ),
    # The aandachtsfunctionaris (Govert Hazelaar).
    Shot("af-start", "aandachtsfunctionaris", "af-a", lambda: reverse("home"), "Start"),
    Shot("af-weging", "aandachtsfunctionaris", "af-a", _case_url("cases:weighing", "weighing"), "Weging"),
    Shot(
        "af-uittreksel",
        "aandachtsfunctionaris",
        "af-a",
        _case_url("dossier:extract-preview", "help"),
        "Uittreksel",
    ),
    Shot("af-beveiliging", "aandachtsfunctionaris", "af-a", lambda: reverse("security"), "Beveiliging"),
    Shot("af-jaarcijfers", "aandachtsfunctionaris", "af-a", lambda: reverse("reporting:figures"), "Jaarcijfers"),
    # The administrator.
    Shot("beheerder-beheer", "beheerder", "beheerder", lambda: reverse("admin:index"), "Meldcode"),
    Shot(
        "beheerder-rollen",
        "beheerder",
        "beheerder",
        lambda: reverse("admin:schools_rolegrant_add"),
        "roltoekenning toevoegen",
    ),
)

# Which part of which guide explains a page: "Hulp bij deze pagina" on that page (by its URL name).
PAGE_HELP: dict[str, tuple[str, str]] = {
    "cases:signal-new": ("leerkracht", "signaal"),
    "cases:signal-add": ("leerkracht", "signaal"),
    "cases:emergency-proposal-add": ("leerkracht", "spoed"),
    "cases:consultation-add": ("intern-begeleider", "consultatie"),
    "cases:kindcheck-add": ("intern-begeleider", "kindcheck"),
    "cases:conversation-add": ("intern-begeleider", "oudergesprek"),
    "cases:skip-add": ("intern-begeleider", "oudergesprek"),
    "cases:parentview-add": ("intern-begeleider", "oudergesprek"),
    "schools:social-map": ("intern-begeleider", "sociale-kaart"),
    "cases:weighing": ("aandachtsfunctionaris", "weging"),
    "cases:case-action": ("aandachtsfunctionaris", "besluit"),
    "cases:risk-add": ("aandachtsfunctionaris", "weging"),
    "cases:flag-add": ("aandachtsfunctionaris", "weging"),
    "cases:checkin-add": ("aandachtsfunctionaris", "monitoring"),
    "cases:board-add": ("aandachtsfunctionaris", "route-b"),
    "dossier:extract-preview": ("aandachtsfunctionaris", "uittreksel"),
    "dossier:extract-job": ("aandachtsfunctionaris", "uittreksel"),
    "dossier:access-request-add": ("aandachtsfunctionaris", "verzoek-ouders"),
    "dossier:legal-hold": ("aandachtsfunctionaris", "bewaren"),
    "reporting:figures": ("aandachtsfunctionaris", "jaarcijfers"),
    "reporting:figures-school": ("aandachtsfunctionaris", "jaarcijfers"),
    "security": ("aandachtsfunctionaris", "beveiliging"),
    "second-factor-enrol": ("beheerder", "tweede-factor"),
    "backup-codes": ("beheerder", "tweede-factor"),
}

# Pages that every role sees, each explained in every role's guide under the same anchor.
ROLE_PAGES: dict[str, str] = {
    "home": "startpagina",
    "start": "startpagina",
    "cases:case-list": "dossiers",
    "cases:case-detail": "dossier",
}
# Whose guide explains those pages to a user with a role (the user's most involved role at any school first).
ROLE_GUIDES = {
    Role.TEACHER: "leerkracht",
    Role.CONTACT_PERSON: "leerkracht",
    Role.IB: "intern-begeleider",
    Role.AF: "aandachtsfunctionaris",
    Role.BOARD: "aandachtsfunctionaris",
}
ROLE_ORDER = (Role.AF, Role.BOARD, Role.IB, Role.CONTACT_PERSON, Role.TEACHER)
