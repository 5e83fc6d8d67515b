"""No search term and no name in a log line (issue 18): the query string of a request never reaches the log, neither
through Django's development server nor through gunicorn's access log."""

import io
import logging
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def console():
    """The text the project's console handler writes while the test runs."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


def test_the_development_servers_request_line_loses_its_query_string(console):
    """The reproduction: the admin's pupil search (``?q=<name>``) was written into the access log line."""
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /beheer/schools/pupil/?q=Korenbloem HTTP/1.1", "200", "5123"
    )
    text = console.getvalue()
    assert "/beheer/schools/pupil/" in text
    assert "Korenbloem" not in text and "?q=" not in text


def test_a_next_parameter_is_stripped_too(console):
    logging.getLogger("django.request").warning("Not Found: %s", "/tweede-factor/?next=/beheer/?q=Zwaantje")
    text = console.getvalue()
    assert "/tweede-factor/" in text and "Zwaantje" not in text


def test_gunicorns_access_log_format_has_no_query_string_and_no_referer():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(encoding="utf-8"), namespace)  # noqa: S102 - the project's own file
    fmt = namespace["access_log_format"]
    assert "%(U)s" in fmt
    for leaky in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert leaky not in fmt
