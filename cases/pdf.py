"""The parent extract as a tagged, accessible PDF (WeasyPrint, PDF/UA-1, Dutch).

``render_extract`` receives an ``Extract`` built from already-loaded data (``cases.extract``) and runs no queries.

The checksum: SHA-256 (hex) of the UTF-8 bytes of the rendered content section (``templates/pdf/_extract_content.html``
rendered in Dutch) — everything the extract says about the case, the pupil, the contact person and the parents'
rights; not the lines that say who generated it, when, and the checksum itself. It is printed in the footer of every
page and at the end, and stored with the release (``ExtractRelease.checksum``). To verify a printed extract,
render the content section again for the same case and data (``content_html``) and hash it (``content_checksum``);
a changed entry, a correction or a new redaction changes it.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from cases.extract import Extract
from cases.models import User

CONTENT_TEMPLATE = "pdf/_extract_content.html"
DOCUMENT_TEMPLATE = "pdf/parent_extract.html"


@dataclass(frozen=True)
class RenderedExtract:
    pdf: bytes
    checksum: str
    html: str


def content_html(extract: Extract) -> str:
    with translation.override("nl"):
        return render_to_string(CONTENT_TEMPLATE, {"extract": extract})


def content_checksum(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def render_extract(*, extract: Extract, generated_by: User, generated_at: datetime) -> RenderedExtract:
    from weasyprint import HTML  # imported here: loading Pango and friends is only needed when rendering

    content = content_html(extract)
    checksum = content_checksum(content)
    with translation.override("nl"):
        html = render_to_string(
            DOCUMENT_TEMPLATE,
            {
                "extract": extract,
                "content": content,
                "checksum": checksum,
                "generated_by_name": generated_by.get_full_name() or generated_by.get_username(),
                "generated_at": generated_at,
            },
        )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1")
    return RenderedExtract(pdf=pdf, checksum=checksum, html=html)
