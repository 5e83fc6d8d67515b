"""Plain words for the parent extract (B1 level): the extract is read by parents, not by staff, so the step names,
the weighing questions and their answers, and the kinds of signal are said as a parent would say them, instead of the
school's internal labels ("stap 2: collegiale consultatie", "B — sterk vermoeden; …").

Filters take the stored value: ``{{ e.to_state|plain_state }}``. A value without a plain wording falls back to the
model's own label (a new state shows, in the school's words, rather than not at all)."""

from django import template
from django.utils.translation import gettext_lazy as _

from cases.models import CaseState, SignalKind, WeighingAnswer
from cases.models.choices import choice_label

register = template.Library()

STATES = {
    CaseState.SIGNALLING: _("the school writes down what it sees and hears"),
    CaseState.CONSULTING: _("the school asks colleagues or experts for advice"),
    CaseState.PARENT_TALK: _("the school talks with you about its worries"),
    CaseState.WEIGHING: _("the school weighs whether help or a report to Veilig Thuis is needed"),
    CaseState.HELP: _("help has been arranged"),
    CaseState.EVALUATING: _("the school checks whether the help works"),
    CaseState.REPORTED: _("the school has made a report to Veilig Thuis"),
    CaseState.VT_INVOLVED: _("Veilig Thuis is involved"),
    CaseState.MONITORING: _("the school keeps an eye on how things are going"),
    CaseState.CLOSED: _("the file is closed"),
    CaseState.DUTY_TO_INFORM: _("the school board has been informed"),
    CaseState.INSPECTOR_CONSULTED: _("the school has asked the confidential inspector of education for advice"),
    CaseState.POLICE_REPORT: _("a report has been made to the police"),
    CaseState.NO_POLICE_REPORT: _("no report has been made to the police"),
}

QUESTIONS = {
    WeighingAnswer.Question.SUSPICION: _("Does the school have a serious worry?"),
    WeighingAnswer.Question.SAFETY: _("Is the child unsafe, right now or for a longer time?"),
    WeighingAnswer.Question.HELP: _("Can the school or another organisation give good help?"),
    WeighingAnswer.Question.ACCEPTANCE: _("Do the people involved accept the help?"),
    WeighingAnswer.Question.RESULT: _("Did the help work within the agreed time?"),
}

ANSWERS = {
    WeighingAnswer.Answer.NO_ACTION: _("no: nothing more needs to be done"),
    WeighingAnswer.Answer.SUSPICION: _("yes: the school is seriously worried, and the school board knows about it"),
    WeighingAnswer.Answer.NO: _("no"),
    WeighingAnswer.Answer.YES: _("yes"),
    WeighingAnswer.Answer.DOUBT: _("not sure; then the school acts as if the answer is yes"),
    WeighingAnswer.Answer.YES_ACUTE: _("yes, and it was urgent: the school made a report to Veilig Thuis at once"),
}

SIGNAL_KINDS = {
    SignalKind.FACT: _("what the school saw or heard"),
    SignalKind.CHILD_WORDS: _("what your child said, word for word"),
    SignalKind.STORY: _("a story or a worry (not a fact)"),
}


def _plain(table, choices, value) -> str:
    plain = table.get(value)
    return str(plain) if plain is not None else choice_label(choices, value)


@register.filter
def plain_state(value) -> str:
    return _plain(STATES, CaseState, value)


@register.filter
def plain_question(value) -> str:
    return _plain(QUESTIONS, WeighingAnswer.Question, value)


@register.filter
def plain_answer(value) -> str:
    return _plain(ANSWERS, WeighingAnswer.Answer, value)


@register.filter
def plain_signal_kind(value) -> str:
    return _plain(SIGNAL_KINDS, SignalKind, value)
