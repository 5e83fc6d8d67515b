"""The rows of a table of cases (templates/cases/_case_table.html), written in Python.

A start page or the case list shows up to 25 cases with their pupils, step, owner, deadlines and waiting time. As
template nodes (variable lookups, filters, a translation per word) a row cost about 0.2 ms, and through
``format_html`` still about 0.1 ms (its lazy-string checks on every value): more than the page's queries of those
cases. Here the markup is the template's, the words are translated once per table, and every value goes through
``esc`` (the standard library's ``html.escape``, which Django's ``escape`` calls too) before it is put in the HTML;
``tests/cases/test_case_list.py`` checks that markup in names is escaped.
"""

import html

from django import template
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext

from cases.steps import compact_html
from cases.templatetags.icons import svg

register = template.Library()


def esc(value) -> str:
    return html.escape(str(value))


@register.simple_tag
def case_rows(cases, show_school=False, show_waiting=False) -> SafeString:
    words = {
        "overdue": f"{svg('warning')} <strong>{esc(gettext('Overdue:'))}</strong>",
        "today": f"{svg('alarm')} <strong>{esc(gettext('Due today:'))}</strong>",
        "later": svg("clock"),
        "due": esc(gettext("due")),
        "ago": gettext("%(period)s ago"),
        # the column names, repeated on each cell for the stacked rows of a phone (the table's data-label)
        "case": esc(gettext("Case")),
        "pupils": esc(gettext("Pupils")),
        "step": esc(gettext("Step")),
        "owner": esc(gettext("Owner")),
        "deadlines": esc(gettext("Due")),
        "last": esc(gettext("Waiting since") if show_waiting else gettext("Last activity")),
    }
    return mark_safe("".join([_row(case, show_school, show_waiting, words) for case in cases]))  # noqa: S308


def _row(case, show_school: bool, show_waiting: bool, words: dict) -> str:
    school = f'<br><span class="muted">{esc(case.school.name)}</span>' if show_school else ""
    pupils = ", ".join(
        f"{esc(p.first_name)} {esc(p.last_name)}"
        + (f' <span class="muted">({esc(p.class_group.name)})</span>' if p.class_group else "")
        for p in case.pupil_list
    )
    if show_waiting:
        since = getattr(case, "state_since", None)  # only the lists of cases waiting for someone have it
        on = dateformat.format(timezone.localtime(since), "j F Y") if since else ""
        ago = words["ago"] % {"period": timesince(since) if since else ""}
        last = f'<td data-label="{words["last"]}">{esc(on)} <span class="muted">({esc(ago)})</span></td>'
    else:
        at = dateformat.format(timezone.localtime(case.last_activity_at), "j F Y H:i")
        last = f'<td data-label="{words["last"]}">{esc(at)}</td>'
    owner = esc(case.owner) if case.owner is not None else "—"
    url = esc(reverse("cases:case-detail", kwargs={"pk": case.pk}))
    return (
        f'\n    <tr>\n      <td data-label="{words["case"]}"><a class="case-ref" href="{url}">{esc(case.reference)}</a>'
        f"{school}</td>"
        f'\n      <td data-label="{words["pupils"]}">{pupils}</td>'
        f'\n      <td data-label="{words["step"]}" class="case-step">{_step(case)}</td>'
        f'\n      <td data-label="{words["owner"]}">{owner}</td>'
        f'\n      <td data-label="{words["deadlines"]}">{_deadlines(case.deadlines, words)}</td>'
        f"\n      {last}\n    </tr>"
    )


def _step(case) -> str:
    """The content of a row's step cell: where the case stands (one place to change what that cell shows)."""
    return compact_html(case.state, case.route)


def _deadlines(deadlines, words: dict) -> str:
    if not deadlines:
        return "—"
    items = []
    for d in deadlines:
        if d.overdue:
            css, lead = " deadline-overdue", words["overdue"]
        elif d.due_today:
            css, lead = " deadline-today", words["today"]
        else:
            css, lead = "", words["later"]
        responsible = d.responsible
        who = f' <span class="muted">({esc(responsible)})</span>' if responsible else ""
        items.append(
            f'<li class="deadline{css}">\n    {lead} {esc(d.label)} — {words["due"]} '
            f'<time datetime="{d.due.isoformat()}">{esc(dateformat.format(d.due, "j F Y"))}</time>{who}\n  </li>'
        )
    return '\n<ul class="deadlines">\n  ' + "\n  ".join(items) + "\n</ul>\n"
