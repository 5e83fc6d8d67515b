"""The user guide's screenshots, made from the demo data in a real Chromium (desktop 1280×800, phone 375×812).

In the test suite they are written to a temporary folder: the test proves that every page the guide documents
still exists and shows what the guide says (its heading), for the demo user the guide names. ``make guide`` sets
``GUIDE_SHOTS_DIR=guide/static/guide/shots`` and so renews the pictures in the repository.
"""

import os
from pathlib import Path

import pytest

from guide.guides import SHOTS
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
}


def shots_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("GUIDE_SHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_guide_screenshots(browser, live_server, demo_data, tmp_path):
    target = shots_dir(tmp_path)
    logged_in: dict[str, dict] = {}  # username → the session's storage state, to log in once per user
    made = []
    for shot in SHOTS:
        url = shot.url()
        for viewport, options in VIEWPORTS.items():
            context = browser.new_context(
                base_url=live_server.url,
                locale="nl-NL",
                device_scale_factor=1,
                storage_state=logged_in.get(shot.username),
                **options,
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            if shot.username not in logged_in:
                login(page, shot.username)
                logged_in[shot.username] = context.storage_state()
            response = page.goto(url)
            assert response is not None and response.status == 200, f"{shot.name}: {url} answered {response.status}"
            heading = page.locator("h1").first.inner_text()
            assert shot.heading.lower() in heading.lower(), f"{shot.name}: {url} shows {heading!r}"
            path = target / f"{shot.name}-{viewport}.png"
            page.screenshot(path=str(path), animations="disabled", caret="hide")
            made.append(path)
            context.close()
    assert all(path.stat().st_size > 5_000 for path in made)
