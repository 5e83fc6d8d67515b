"""Every page of every role on a phone (375×812, touch): no sideways scrolling, no tap target under 24 px, axe clean.

Each role (teacher, IB'er, aandachtsfunctionaris, internal contact person, administrator) logs in once in its own
browser context and visits the pages it can reach: the links of the start page and of every page found from there
(same origin, GET only, no logout, no downloads), plus a list of known pages of the demo data (case pages in
several states, the forms of a case, the social map and its forms, the extract's preview, the figures, the guide),
so that a page offered only behind a button is covered too. Pages of the same shape (the same path with other ids)
are visited a few times, not all: the crawl is bounded.

A page fails when ``document.documentElement.scrollWidth`` is wider than the screen, or when a link, button,
input or select is smaller than 24×24 px (WCAG 2.2, 2.5.8), except a link inline in running text (a <p> or <li>
with other text around it: WCAG's "inline" exception). The failures of all roles are collected and reported
together, with the widest elements and the small targets of each page, so that one run shows every problem.
PHONE_ROLES=teacher,ib (for example) crawls only those roles, when working on a page.
"""

import os
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from accounts.models import User
from cases.models import Case, CaseState
from schools.models import Membership, Pupil, Role, SocialMapEntry
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 375, 812
MIN_TARGET = 24
# Pages of one shape (the path with its numbers replaced) visited per role, and pages per role in all. The case page
# differs by state, so several; a form is the same form on another case. The guide is the same for every role: its
# pages are visited by the first role only (SHARED).
PER_SHAPE = {"/dossiers/N/": 5, "/hulp/SLUG/": 30}
PER_SHAPE_DEFAULT = 1
MAX_PAGES = 80
MAX_ADMIN_PAGES = 12
SHARED = ("/hulp/SLUG/",)
# Never followed: leaving the session, files, language switching, the per-role admin, the status endpoint.
SKIP = re.compile(r"/uitloggen/|/pdf/|/csv/|\.pdf$|\.csv$|^/i18n/|^/gezond/|^/static/|/logout/|/delete/|/password/")

ROLES = {
    Role.TEACHER: "leerkracht-a1",
    Role.IB: "ib-a",
    Role.AF: "af-a",
    Role.CONTACT_PERSON: "icp-a",
    Role.BOARD: "bestuur",  # the board contact (issue 17): only the route B cases
    "admin": "beheerder",
}

# What axe finds in Django's own admin templates (not this project's markup), accepted on /beheer/ pages only: the
# empty header cell of a tabular inline's "original" column, the labels of a tabular inline's fields (they are in its
# header row), and the help icon of the filter_horizontal widget.
DJANGO_ADMIN_AXE = {"empty-table-header", "label", "label-title-only", "select-name", "aria-prohibited-attr"}

MEASURE = """(minTarget) => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.className && typeof el.className === "string") s += "." + el.className.trim().split(/\\s+/).join(".");
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\\s+/g, " ");
    return s + (text ? ` "${text.slice(0, 40)}"` : "");
  };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 1 && wide.length < 6) {
      // only the outermost of a nest of too-wide elements says where it starts
      if (!el.parentElement || el.parentElement.getBoundingClientRect().right <= vw + 1) {
        wide.push(`${describe(el)} → ${Math.round(r.right)} px`);
      }
    }
  }
  const inline = (el) => {
    if (el.tagName !== "A") return false;
    const block = el.closest("p, li");
    if (!block) return false;
    const own = el.innerText.trim().length;
    return block.innerText.trim().length > own + 2;
  };
  const small = [];
  const targets = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary"
  );
  for (const el of targets) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], .visually-hidden, .skip-link")) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // not rendered (a closed <details>, display: none)
    if (inline(el)) continue;
    if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) {
      small.push(`${describe(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide, small};
}"""


def shape(path: str) -> str:
    if path.startswith("/hulp/") and path != "/hulp/":
        return "/hulp/SLUG/"
    return re.sub(r"\d+", "N", path)


def known_urls(role: str, username: str) -> list[str]:
    """Pages a crawl from the start page may not reach (behind a button, a filter or a form of another page)."""
    if role == "admin":
        # the administrator's own pages: the schools, their people and groups, the pupil import, the social map
        urls = ["/beheer/"]
        for model in ("school", "board", "classgroup", "pupil", "membership", "rolegrant", "socialmapentry"):
            urls.append(reverse(f"admin:schools_{model}_changelist"))
        urls += [reverse("admin:schools_pupil_import"), reverse("admin:accounts_user_changelist")]
        pupil = Pupil.objects.order_by("pk").first()
        urls.append(reverse("admin:schools_pupil_change", args=[pupil.pk]))
        urls.append(reverse("admin:schools_classgroup_change", args=[pupil.class_group_id]))
        urls.append(reverse("admin:accounts_user_change", args=[User.objects.get(username="ib-a").pk]))
        return urls
    memberships = Membership.objects.filter(user__username=username, role=role).order_by("school_id")
    if role == Role.BOARD:  # the board contact holds a role at every school of the board: the one with staff cases
        memberships = memberships.filter(school__cases__route="B")
    school = memberships.first().school_id
    urls = [reverse("security"), reverse("guide:index"), reverse("cases:notification-history")]
    cases = Case.objects.filter(school_id=school).order_by("pk")
    # One case per state, so that each state's page (its offers, its records) is seen by the roles that see it.
    seen_states = set()
    for case in cases:
        if case.state not in seen_states:
            seen_states.add(case.state)
            urls.append(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    if role == Role.TEACHER:
        urls.append(reverse("cases:signal-new", kwargs={"school_id": school}))
    if role in (Role.IB, Role.AF):
        urls.append(reverse("schools:social-map", kwargs={"school_id": school}))
        entry = SocialMapEntry.objects.filter(school_id=school).first()
        if entry is not None:
            urls.append(reverse("schools:social-map-edit", kwargs={"school_id": school, "entry_id": entry.pk}))
        urls.append(reverse("schools:social-map-add", kwargs={"school_id": school}))
        urls.append(reverse("reporting:figures"))
        urls.append(reverse("reporting:figures-school", kwargs={"school_id": school}))
        urls.append(reverse("dossier:school-transfers", kwargs={"school_id": school}))
        consulting = cases.filter(state=CaseState.CONSULTING).first()
        if consulting is not None:
            urls.append(reverse("cases:consultation-add", kwargs={"pk": consulting.pk}))
            urls.append(reverse("cases:case-audit", kwargs={"pk": consulting.pk}))
        closed = cases.filter(state=CaseState.CLOSED).first() or cases.last()
        urls.append(reverse("dossier:extract-preview", kwargs={"pk": closed.pk}))
        if role == Role.AF:
            urls.append(reverse("dossier:staff-preview", kwargs={"pk": closed.pk}))
            urls.append(reverse("school-account-log", kwargs={"school_id": school}))
    return urls


def crawl(context, base: str, role: str, username: str, axe, shared: set) -> list[str]:
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, username)
    queue = ["/", *known_urls(role, username)]
    seen_urls, shapes, problems, pages = set(), Counter(), [], set()
    visited = 0
    budget = MAX_ADMIN_PAGES if role == "admin" else MAX_PAGES
    while queue and visited < budget:
        url = queue.pop(0)
        parts = urlsplit(urljoin(base, url))
        if parts.path.startswith("/beheer/"):  # the admin's filters and sort orders are the same page
            parts = parts._replace(query="")
        if parts.netloc != urlsplit(base).netloc:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen_urls or SKIP.search(parts.path):
            continue
        if role != "admin" and parts.path.startswith("/beheer/"):
            continue
        limit = PER_SHAPE.get(shape(parts.path), PER_SHAPE_DEFAULT)
        if shapes[shape(parts.path)] >= limit or parts.path in shared:
            continue
        seen_urls.add(path)
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        final = urlsplit(page.url).path
        shapes[shape(parts.path)] += 1
        if shape(parts.path) in SHARED:
            shared.add(parts.path)
        visited += 1
        pages.add(shape(final))
        where = f"{role} {final}" + (f"?{parts.query}" if parts.query else "")
        m = page.evaluate(MEASURE, MIN_TARGET)
        if m["scrollWidth"] > WIDTH:
            problems.append(f"{where}: {m['scrollWidth']} px wide: {'; '.join(m['wide'])}")
        if m["small"]:
            problems.append(f"{where}: tap targets under {MIN_TARGET} px: {'; '.join(m['small'][:8])}")
        results = axe.run(page)
        violations = results.response["violations"]
        if final.startswith("/beheer/"):
            violations = [v for v in violations if v["id"] not in DJANGO_ADMIN_AXE]
        if violations:
            found = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
            problems.append(f"{where}: axe: {found}")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            if href and not href.startswith(("#", "mailto:", "tel:", "javascript:")):
                queue.append(urljoin(page.url, href))
    page.close()
    expected = {"/beheer/", "/beheer/schools/pupil/N/change/"} if role == "admin" else {"/start/N/X/", "/dossiers/"}
    assert expected <= {re.sub(r"/start/N/\w+/", "/start/N/X/", p) for p in pages}, (role, sorted(pages))
    if role in (Role.TEACHER, Role.IB, Role.AF):
        assert "/dossiers/N/" in pages, (role, sorted(pages))
    return problems


def test_every_page_of_every_role_fits_a_phone(browser, live_server, demo_data, axe):
    problems, shared = [], set()

    for role, username in ROLES.items():
        if os.environ.get("PHONE_ROLES") and role not in os.environ["PHONE_ROLES"].split(","):
            continue
        context = browser.new_context(
            base_url=live_server.url,
            locale="nl-NL",
            viewport={"width": WIDTH, "height": HEIGHT},
            is_mobile=True,
            has_touch=True,
        )
        try:
            problems += crawl(context, live_server.url, role, username, axe, shared)
        finally:
            context.close()
    assert not problems, "\n" + "\n".join(problems)
