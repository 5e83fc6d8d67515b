"""``{% bodymap_shown signal.body_marks as bm %}``: the marks of a signal's body map with their picture
(``templates/cases/_bodymap_shown.html``)."""

from django import template

from cases import bodymap

register = template.Library()


@register.simple_tag
def bodymap_shown(marks) -> dict:
    shown = bodymap.shown_marks(marks)
    return {"marks": shown, "sides": bodymap.figure(shown), "viewbox": bodymap.VIEWBOX}
