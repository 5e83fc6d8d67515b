"""Every write to a case. Each service checks permission, validates, writes in one transaction and leaves an audit
row. By concern: opening a case (``opening``), records of the chronology (``chronology``), step changes
(``transitions``), steps 4-5 and route B (``decisions``), notifications, a form's one submission (``submissions``),
and what a refusal raises (``errors``).
Callers use them from here: ``from cases import services``, ``services.case_open(...)``."""

from cases.services.children import (
    audit_earlier_cases,
    child_conversation_record,
    look_back_record,
    pupil_involvement_record,
)
from cases.services.chronology import (
    consultation_actions_save,
    entry_record,
    lock_case,
    parent_talk_skip_confirm,
    parent_talk_skip_record,
    save_entry,
    task_done_record,
    touch_case,
)
from cases.services.decisions import (
    case_close,
    case_emergency_report,
    case_report,
    case_report_again,
    guardians_with_authority,
    help_evaluate,
    help_plan_correct,
    help_plan_start,
    monitoring_start,
    route_b_inspector_consulted,
    route_b_police_decision,
    vt_outcome_record,
    weighing_answer_correct,
    weighing_answer_record,
)
from cases.services.errors import CaseChangedError, CaseClosedError, NotNowError, TransitionBlockedError
from cases.services.notifications import notification_mark_read, notifications_mark_all_read
from cases.services.opening import (
    Suspect,
    case_open,
    open_case_for_pupil,
    route_b_signal_submit,
    route_b_suspect_name,
    signal_submit,
)
from cases.services.submissions import AlreadySubmittedError, submission_once, submissions_forget
from cases.services.transitions import (
    USER_TRANSITIONS,
    available_transitions,
    case_transition,
    fire_transition,
    record_and_fire,
    signal_record,
)

__all__ = [
    "AlreadySubmittedError",
    "submission_once",
    "submissions_forget",
    "USER_TRANSITIONS",
    "Suspect",
    "CaseChangedError",
    "CaseClosedError",
    "NotNowError",
    "TransitionBlockedError",
    "audit_earlier_cases",
    "available_transitions",
    "child_conversation_record",
    "look_back_record",
    "pupil_involvement_record",
    "case_close",
    "case_emergency_report",
    "case_open",
    "case_report",
    "case_report_again",
    "guardians_with_authority",
    "case_transition",
    "consultation_actions_save",
    "entry_record",
    "fire_transition",
    "help_evaluate",
    "help_plan_correct",
    "help_plan_start",
    "lock_case",
    "monitoring_start",
    "notification_mark_read",
    "notifications_mark_all_read",
    "open_case_for_pupil",
    "parent_talk_skip_confirm",
    "parent_talk_skip_record",
    "record_and_fire",
    "route_b_inspector_consulted",
    "route_b_police_decision",
    "route_b_signal_submit",
    "route_b_suspect_name",
    "save_entry",
    "signal_record",
    "signal_submit",
    "task_done_record",
    "touch_case",
    "vt_outcome_record",
    "weighing_answer_correct",
    "weighing_answer_record",
]
