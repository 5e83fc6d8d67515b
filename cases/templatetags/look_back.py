"""``{% may_look_back school_id as look_back %}``: does the user see pupils' earlier cases at the school (the IB'er
and the aandachtsfunctionaris; never a teacher)? For the new-signal page's link to look back (issue 17)."""

from django import template

from cases import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def may_look_back(context, school_id) -> bool:
    request = context.get("request")
    return bool(request and selectors.may_look_back(user=request.user, school_id=school_id))
