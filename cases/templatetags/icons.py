"""Icons as inline SVG (no emoji: a browser without an emoji font shows an empty box, and a screen reader reads an
emoji's own name). ``{% icon "clock" %}`` is decorative (hidden from screen readers: the text beside it says what
it means); ``{% icon "clock" label=_("due later") %}`` is an image with that text as its name. The drawings are
simple strokes in ``currentColor``, so an icon takes the colour of its text (and of a forced-colours theme).
"""

import html

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# 24×24 strokes (in the manner of the common open icon sets, drawn here).
ICONS = {
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
    "alarm": '<circle cx="12" cy="13" r="8"/><path d="M12 9v4l2 2M5 3 2 6M22 6l-3-3"/>',
    "warning": '<path d="M12 3 2 21h20L12 3z"/><path d="M12 10v5M12 18h.01"/>',
    "bell": '<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10 21a2 2 0 0 0 4 0"/>',
    "menu": '<path d="M4 6h16M4 12h16M4 18h16"/>',
}


def svg(name: str, label: str = "") -> str:
    """The SVG of icon ``name``: named ``label`` when given, else hidden from assistive technology."""
    a11y = f'role="img" aria-label="{html.escape(str(label))}"' if label else 'aria-hidden="true"'
    return (
        f'<svg class="icon icon-{name}" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor"'
        f' stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false" {a11y}>{ICONS[name]}</svg>'
    )


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    return mark_safe(svg(name, label))  # noqa: S308 - fixed markup; the label is escaped
