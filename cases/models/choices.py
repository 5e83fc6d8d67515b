"""The choices a case is described by: its state, its route, the kind of a signal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    """The states of a case. What each one means (route, step, who acts, what is offered): ``cases.workflow``."""

    # Route A (and C): the five steps of the meldcode.
    SIGNALLING = "signalling", _("step 1: mapping the signals")
    CONSULTING = "consulting", _("step 2: consultation")
    PARENT_TALK = "parent_talk", _("step 3: conversation with the parents")
    WEIGHING = "weighing", _("step 4: weighing")
    HELP = "help", _("step 5: help organised")
    EVALUATING = "evaluating", _("step 5: evaluating the help")
    REPORTED = "reported", _("step 5: reported to Veilig Thuis")
    VT_INVOLVED = "vt_involved", _("Veilig Thuis involved")
    MONITORING = "monitoring", _("monitoring")
    CLOSED = "closed", _("closed")
    # Route B: a staff member is suspected of a sexual offence against a pupil.
    DUTY_TO_INFORM = "duty_to_inform", _("board informed (duty to inform)")
    INSPECTOR_CONSULTED = "inspector_consulted", _("confidential inspector consulted")
    POLICE_REPORT = "police_report", _("reported to the police")
    NO_POLICE_REPORT = "no_police_report", _("no police report")


def choice_label(choices: type[models.Choices], value) -> str:
    """The label of ``value``, as Django's generated ``get_FOO_display`` gives it (the value itself when it is not
    one of the choices), without building a dict of every lazily translated label on each call: that translated
    all the labels again for every row of a list (twenty for a case's step)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class SignalKind(models.TextChoices):
    FACT = "fact", _("factual observation")
    CHILD_WORDS = "child_words", _("the child's own words (verbatim)")
    STORY = "story", _("story or suspicion")


class Route(models.TextChoices):
    A = "A", _("A — suspected violence or abuse at home")
    B = "B", _("B — a staff member is suspected of a sexual offence against a pupil")
    C = "C", _("C — behaviour between pupils")
