"""The parent extract as a tagged, accessible PDF (WeasyPrint, PDF/UA-1, Dutch).

``render_extract`` receives an ``Extract`` built from already-loaded data (``dossier.extract``) and runs no queries.

The document (``templates/pdf/parent_extract.html``) starts with a page in plain Dutch for the parents
(``templates/pdf/_about_for_parents.html``: what the meldcode is, why the school keeps the file, what Veilig Thuis is,
what they may do), then the content section, then who generated it, when, and the checksum — printed once, on the
last page, with one sentence on what it is for.

The checksum: SHA-256 (hex) of the UTF-8 bytes of the rendered content section (``templates/pdf/_extract_content.html``
rendered in Dutch) — everything the extract says about the case, the pupil, the contact person and the parents'
rights, with the names left out as the aandachtsfunctionaris decided; not the explanation page (the same for every
extract), nor the lines that say who generated it, when, and the checksum itself. It is stored with the release
(``ExtractRelease.checksum``). To verify a printed extract, render the content section again for the same case and
data (``content_html``) and hash it (``content_checksum``); a changed entry, a correction, a new redaction or a
decision about a name changes it.

The content template's wording is part of what is hashed, so it is versioned: ``CONTENT_TEMPLATES`` keeps every
version, a release records the version it was made with (``ExtractRelease.content_version``), and
``content_html(extract, version=release.content_version)`` renders it again. Version 1 is the content in staff's
words (until issue 18); version 2 says the steps, the weighing and the kinds of signal in plain Dutch; version 3
(issue 21) adds the seal of the file: the head of the case's chain (``cases.chain.chain_head``) when the extract was
built, stored with the release (``ExtractRelease.chain_seq``/``chain_head``), so that a release of version 3 is
rendered again with the head it printed, and ``manage.py verify_chronology`` checks that the chain still runs through
it. A change of
the content's wording is a new version (a new template, ``CONTENT_VERSION`` and the field's default raised); a
change only of the document around it (the explanation page, the last page) needs none.

One rendering path, two rule sets (issue 19): the staff dossier (``dossier.staff``) goes through the same steps —
its content section rendered in Dutch, hashed, put in its document, written by WeasyPrint as PDF/UA-1 — with its own
``RuleSet`` (``STAFF_RULES``: its content and document templates, its own content version). Both documents extend
``templates/pdf/_document.html`` (the page, the font, the stylesheet). The staff dossier's checksum is of its content
section as well: the pupil and the case, the five steps, every record, the step changes, the weighing, the
redactions, the releases, the transfers and the audit summary as they were at the moment of release — not the cover
with the recipient, the purpose and the release number, nor the page marks.
"""

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from accounts.models import User
from dossier.extract import Extract

CONTENT_TEMPLATES = {
    1: "pdf/_extract_content_v1.html",
    2: "pdf/_extract_content_v2.html",
    3: "pdf/_extract_content.html",
}
CONTENT_VERSION = 3
CONTENT_TEMPLATE = CONTENT_TEMPLATES[CONTENT_VERSION]
DOCUMENT_TEMPLATE = "pdf/parent_extract.html"
PDF_VARIANT = "pdf/ua-1"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleSet:
    """What one kind of document renders with: its content templates by version (what is hashed), the current
    version, and the document around the content."""

    name: str
    content_templates: dict[int, str]
    content_version: int
    document_template: str


PARENT_RULES = RuleSet("parent", CONTENT_TEMPLATES, CONTENT_VERSION, DOCUMENT_TEMPLATE)
STAFF_CONTENT_TEMPLATES = {1: "pdf/_staff_content.html"}
STAFF_CONTENT_VERSION = 1
STAFF_RULES = RuleSet("staff", STAFF_CONTENT_TEMPLATES, STAFF_CONTENT_VERSION, "pdf/staff_dossier.html")


@dataclass(frozen=True)
class RenderedExtract:
    pdf: bytes
    checksum: str
    html: str


def content_html(extract, version: int | None = None, rules: RuleSet = PARENT_RULES) -> str:
    """The content section of a document (what its checksum is of), in Dutch. ``extract``: the parent extract
    (``extract.Extract``), or the staff dossier (``staff.StaffDossier``) with ``rules=STAFF_RULES``."""
    template = rules.content_templates[version if version is not None else rules.content_version]
    with translation.override("nl"):
        return render_to_string(template, {"extract": extract, "no_can": {}})


def content_checksum(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def release_verifies(extract: Extract, release) -> bool:
    """Whether ``release`` (an ``ExtractRelease``) is the extract of this data: its content, rendered again with the
    version of the content it was made with, has its checksum. From version 3 the content prints the chain head the
    release recorded (whether the chain still runs through it is ``verify_chronology``'s check)."""
    if release.content_version >= 3:
        extract = dataclasses.replace(extract, chain_seq=release.chain_seq or 0, chain_head=release.chain_head)
    return content_checksum(content_html(extract, version=release.content_version)) == release.checksum


_url_fetcher = None


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango and friends is only needed when rendering
    from weasyprint.urls import URLFetcher

    global _url_fetcher
    if _url_fetcher is None:
        # The extract loads nothing from outside (no images, stylesheets or links to fetch): a fetcher that refuses
        # every URL, made once. WeasyPrint's default fetcher is made per document and builds an SSL context (~25 ms).
        _url_fetcher = URLFetcher(allowed_protocols=())
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_url_fetcher).write_pdf(
        pdf_variant=PDF_VARIANT
    )


def render_document(*, extract, rules: RuleSet, context: dict) -> RenderedExtract:
    """The one rendering path: the content section (``content_html``), its checksum, the document around it (with
    ``context``), the PDF."""
    content = content_html(extract, rules=rules)
    checksum = content_checksum(content)
    with translation.override("nl"):
        html = render_to_string(
            rules.document_template, {"extract": extract, "content": content, "checksum": checksum, **context}
        )
    return RenderedExtract(pdf=_write_pdf(html), checksum=checksum, html=html)


def render_extract(*, extract: Extract, generated_by: User, generated_at: datetime) -> RenderedExtract:
    return render_document(
        extract=extract,
        rules=PARENT_RULES,
        context={
            "generated_by_name": generated_by.get_full_name() or generated_by.get_username(),
            "generated_at": generated_at,
        },
    )


def _page_mark(recipient: str, reference: str) -> str:
    with translation.override("nl"):
        return translation.gettext("confidential — for %(recipient)s — %(reference)s") % {
            "recipient": recipient,
            "reference": reference,
        }


def css_string(text: str) -> str:
    """``text`` as a CSS string literal, every character but letters, digits and a few marks escaped (``\\hex ``):
    safe inside a stylesheet, whatever the text (a quote, a backslash, "</style>")."""
    safe = " -—.,()/"
    return '"' + "".join(c if c.isalnum() or c in safe else f"\\{ord(c):x} " for c in text) + '"'


def render_staff_dossier(
    *,
    dossier,
    reference: str,
    recipient: str,
    purpose: str,
    released_by: User,
    released_at: datetime,
    chain_head: tuple[int, str] = (0, ""),
) -> RenderedExtract:
    """The staff dossier (``staff.StaffDossier``) as a PDF: every page marked "vertrouwelijk — voor <recipient> —
    <reference>"; a cover with the recipient, the purpose, the checksum and the head of the case's chain
    (``cases.chain.chain_head``: the seal of the file when it was released)."""
    return render_document(
        extract=dossier,
        rules=STAFF_RULES,
        context={
            "reference": reference,
            "recipient": recipient,
            # Every page's mark, as the margin box's literal content: a running element costs WeasyPrint half a
            # second on a 50-record dossier (it lays the element out again on every page).
            "page_mark": css_string(_page_mark(recipient, reference)),
            "purpose": purpose,
            "released_by_name": released_by.get_full_name() or released_by.get_username(),
            "released_at": released_at,
            "chain_seq": chain_head[0],
            "chain_head": chain_head[1],
        },
    )


def staff_release_verifies(dossier, release) -> bool:
    """Whether ``release`` (a ``StaffDossierRelease``) is the staff dossier of this data: ``dossier`` built again
    ``as_of`` the release's moment (``staff.build_staff_dossier(case, as_of=release.released_at)``) has its
    checksum. Holds as long as the case keeps its school and number (a transfer within the board changes both)."""
    content = content_html(dossier, version=release.content_version, rules=STAFF_RULES)
    return content_checksum(content) == release.checksum


def warm_up() -> bool:
    """Make this process ready to render extracts, before the first release asks for one.

    Imports WeasyPrint (Pango, HarfBuzz, fontconfig), compiles both templates with the Dutch catalogue and renders a
    one-page document with the extract's own stylesheet, so the fonts are found and loaded and every code path of a
    render has run once. Costs about a second; without it a worker's first release pays that second. Called when the
    WSGI application loads (``meldcode/wsgi.py``, setting ``MELDCODE_PDF_WARM_UP``), not by management commands or
    tests. Never raises: a failure is logged, the application starts anyway, and a release reports the problem when
    it renders.
    """
    try:
        get_template(CONTENT_TEMPLATE)
        get_template(STAFF_RULES.document_template)  # the staff dossier's templates, compiled once
        get_template(STAFF_CONTENT_TEMPLATES[STAFF_CONTENT_VERSION])
        with translation.override("nl"):
            html = render_to_string(
                DOCUMENT_TEMPLATE,
                {
                    "extract": {"case": {"reference": "-"}, "school": {"name": "-"}},
                    "content": '<dl class="x-facts"><dt>-</dt><dd>-</dd></dl>',
                    "checksum": "0" * 64,
                    "generated_by_name": "-",
                    "generated_at": timezone.now(),
                },
            )
        _write_pdf(html)
    except Exception:
        logger.exception("Warming up the PDF renderer failed; the first extract will be slower or fail")
        return False
    return True
