from cases.models import Case, Transition
from tests import factories


def test_a_case_walks_steps_1_to_3(cast_a):
    case = factories.case_in_state(cast_a, "weighing")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "weighing"
    assert [t.to_state for t in Transition.objects.filter(case=case)] == [
        "signalling",
        "consulting",
        "parent_talk",
        "weighing",
    ]
