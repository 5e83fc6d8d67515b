"""The user guide: every guide renders, every part the application links to exists, every screenshot the guide
shows is made by the browser test (``tests/browser/test_guide_browser.py``) and is in the repository, and the
"Help with this page" link leads to the right part for the user's role."""

import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse

from guide import content, guides
from guide.guides import GUIDES, PAGE_HELP, ROLE_GUIDES, ROLE_PAGES, SHOTS
from schools.models import Role

VIEWPORTS = ("desktop", "phone")


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return names


@pytest.mark.parametrize("slug", GUIDES)
def test_every_guide_renders_with_sections(slug):
    html, toc = content.render(slug)
    assert "<h2" in html and "<img" not in toc
    assert content.anchors(slug), f"{slug}: no sections with an id"


def test_every_page_help_points_at_an_existing_page_and_part():
    names = url_names()
    for view_name, (slug, anchor) in PAGE_HELP.items():
        assert view_name in names, f"PAGE_HELP names {view_name!r}, which is no URL of the application any more"
        assert anchor in content.anchors(slug), f"{slug}.md has no part {{#{anchor}}} for {view_name}"
    for view_name, anchor in ROLE_PAGES.items():
        assert view_name in names
        for slug in set(ROLE_GUIDES.values()):
            assert anchor in content.anchors(slug), f"{slug}.md has no part {{#{anchor}}} for {view_name}"


def test_every_role_has_a_guide():
    assert set(ROLE_GUIDES) == set(Role.values)
    assert set(ROLE_GUIDES.values()) <= set(GUIDES)


def test_the_guides_show_exactly_the_screenshots_that_the_browser_test_makes():
    made = {f"shots/{shot.name}-{viewport}.png" for shot in SHOTS for viewport in VIEWPORTS}
    shown = {path for slug in GUIDES for path in content.image_paths(slug)}
    assert shown == made
    for shot in SHOTS:
        assert shot.guide in GUIDES
        assert f"shots/{shot.name}-desktop.png" in content.image_paths(shot.guide), f"{shot.name} not in its guide"


def test_every_screenshot_is_in_the_repository():
    missing = [
        f"{shot.name}-{viewport}.png"
        for shot in SHOTS
        for viewport in VIEWPORTS
        if not (content.SHOTS_DIR / f"{shot.name}-{viewport}.png").is_file()
    ]
    assert not missing, f"run `make guide` to make: {missing}"


def test_links_between_guides_lead_to_existing_parts():
    for slug in GUIDES:
        for other, anchor in re.findall(r"\]\(([a-z-]+)\.md#([a-z-]+)\)", content.source(slug)):
            assert other in GUIDES and anchor in content.anchors(other), f"{slug}.md links to {other}.md#{anchor}"
        html, _toc = content.render(slug)
        assert ".md" not in re.sub(r"<code>.*?</code>", "", html), f"{slug}: a link to a .md file left in the page"


def test_the_shots_pages_exist():
    """Each screenshot's URL name is still a page of the application (the browser test then visits it)."""
    names = url_names()
    source = (Path(guides.__file__)).read_text(encoding="utf-8")
    for name in re.findall(r'reverse\("([^"]+)"', source) + re.findall(r'_case_url\("([^"]+)"', source):
        assert name in names, f"guides.py uses the URL name {name!r}, which no longer exists"


@pytest.mark.django_db
def test_help_with_this_page_leads_to_the_part_for_the_users_role(cast_a, client_for):
    teacher, ib = client_for(cast_a.teacher), client_for(cast_a.ib)
    signal_new = reverse("cases:signal-new", kwargs={"school_id": cast_a.school.pk})
    start_teacher = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": Role.TEACHER})
    start_ib = reverse("start", kwargs={"school_id": cast_a.school.pk, "role": Role.IB})

    assert 'href="/hulp/leerkracht/#signaal"' in teacher.get(signal_new).content.decode()
    assert 'href="/hulp/leerkracht/#startpagina"' in teacher.get(start_teacher).content.decode()
    page = ib.get(start_ib).content.decode()
    assert 'href="/hulp/intern-begeleider/#startpagina"' in page
    # The menu links to the help on every page.
    assert 'href="/hulp/"' in page


@pytest.mark.django_db
def test_an_unknown_guide_is_not_found(cast_a, client_for):
    assert client_for(cast_a.teacher).get("/hulp/geen-handleiding/").status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("guide:page", kwargs={"slug": "met spatie"})


@pytest.mark.django_db
def test_a_guide_page_shows_its_contents_and_pictures(cast_a, client_for):
    response = client_for(cast_a.af).get(reverse("guide:page", kwargs={"slug": "aandachtsfunctionaris"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#weging">' in html  # the table of contents
    assert 'src="/static/guide/shots/af-weging-phone.png"' in html and 'loading="lazy"' in html
    assert "../static/guide/" not in html
    ib_guide = client_for(cast_a.af).get(reverse("guide:page", kwargs={"slug": "intern-begeleider"}))
    assert 'href="../aandachtsfunctionaris/#uittreksel"' in ib_guide.content.decode()
