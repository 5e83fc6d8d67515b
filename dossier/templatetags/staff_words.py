"""Filters for the staff dossier's PDF."""

from django import template

register = template.Library()


@register.filter
def in_groups(code: str, size: int = 16) -> str:
    """A long code (a SHA-256 checksum) in groups of ``size`` characters, separated by spaces: readable, and laid
    out by WeasyPrint at ordinary cost (a 64-character word that must be broken anywhere cost it half a second)."""
    code = str(code)
    return " ".join(code[i : i + size] for i in range(0, len(code), size))
