"""Reading and rendering the guides' Markdown (Python-Markdown): the files are the project's own text, read once per
process. Images refer to the screenshots by their path in the repository (``../static/guide/shots/…``, so that the
Markdown reads well on its own); here they become static URLs."""

import re
from functools import lru_cache
from pathlib import Path

import markdown
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

CONTENT_DIR = Path(__file__).resolve().parent / "content"
SHOTS_DIR = Path(__file__).resolve().parent / "static" / "guide" / "shots"
REPO_IMAGE_PREFIX = "../static/guide/"


def source(slug: str) -> str:
    return (CONTENT_DIR / f"{slug}.md").read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def render(slug: str) -> tuple[SafeString, SafeString]:
    """The guide's HTML and its table of contents."""
    md = markdown.Markdown(
        extensions=["toc", "attr_list", "tables", "sane_lists"],
        extension_configs={"toc": {"toc_depth": "2-2"}},
        output_format="html",
    )
    text = source(slug).replace(f"]({REPO_IMAGE_PREFIX}", f"]({static('guide/')}")
    # A link to another guide (``other.md#part``, which works in the repository) → that guide's page here.
    text = re.sub(r"\]\(([a-z-]+)\.md(#[a-z-]+)?\)", lambda m: f"](../{m.group(1)}/{m.group(2) or ''})", text)
    html = md.convert(text)
    # The images: lazily loaded, and never wider than the screen (the stylesheet: .guide img).
    html = html.replace("<img ", '<img loading="lazy" ')
    return mark_safe(html), mark_safe(md.toc)  # noqa: S308 - the project's own files, not user input


def anchors(slug: str) -> set[str]:
    """The ids of the guide's sections (``{#id}`` after a heading)."""
    return set(re.findall(r'id="([^"]+)"', render(slug)[0]))


def image_paths(slug: str) -> list[str]:
    """The screenshots the guide shows, as paths under ``guide/static/guide/``."""
    return re.findall(r"\]\(\.\./static/guide/([^)\s]+)\)", source(slug))
