"""HEAD is answered wherever GET is (uptime monitors and link checkers use HEAD): the same status, the same
redirect and content type, and no body. Every URL of the permission matrix that answers GET is walked for an
anonymous visitor and for users of both schools. And the favicon: a link in every page and ``/favicon.ico``."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_permission_matrix import ROWS, build_world, client_for_actor

GET_ROWS = [row for row in ROWS if row.method == "GET"]
HEAD_ACTORS = ["anonymous", "a.teacher", "a.ib", "a.af", "b.af"]


@pytest.mark.parametrize("row", GET_ROWS, ids=lambda r: r.id)
def test_head_answers_like_get(row, cast_a, cast_b):
    world = build_world(cast_a, cast_b, **row.world)
    path = reverse(row.url_name, kwargs=row.url_kwargs(world))
    for actor in HEAD_ACTORS:
        client = client_for_actor(world, actor)
        head = client.head(path)
        get = client.get(path)
        assert head.status_code != 405, (actor, path)
        assert head.status_code == get.status_code, (actor, path, head.status_code, get.status_code)
        assert head.get("Location") == get.get("Location"), (actor, path)
        assert head.get("Content-Type") == get.get("Content-Type"), (actor, path)
        assert head.content == b"", (actor, path)


def test_head_of_the_start_page_for_an_uptime_monitor(db):
    response = Client().head("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Client().head(reverse("login")).status_code == 200


def test_post_only_views_still_refuse_head(cast_a, client_for):
    response = client_for(cast_a.teacher).head(reverse("logout"))
    assert response.status_code == 405


def test_every_page_links_the_svg_icon(db):
    html = Client().get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html


def test_favicon_ico_redirects_to_the_icon_which_is_served(db):
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg") and b"<script" not in body and b"href=" not in body  # no external assets


def test_favicon_is_reachable_before_the_second_factor(cast_a):
    """A logged-in IB'er who has not passed the second factor yet: the browser's icon request is not sent to the
    code page."""
    client = Client()
    client.force_login(cast_a.ib)
    assert client.get("/favicon.ico")["Location"] == "/static/img/favicon.svg"
    assert client.head("/favicon.ico").status_code == 302
