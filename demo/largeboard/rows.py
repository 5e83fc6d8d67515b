"""The bulk writer: a chunk's records collected per model and inserted parents before children."""

from cases.models import (
    BoardNotification,
    Closure,
    Consultation,
    ConsultationAction,
    ConversationAcknowledgement,
    ConversationSignal,
    FlagAssessment,
    HelpEvaluation,
    HelpPlan,
    HelpTask,
    InspectorConsultation,
    Kindcheck,
    MonitoringAgreement,
    MonitoringCheckIn,
    Notification,
    ParentConversation,
    ParentView,
    PoliceDecision,
    RiskAssessment,
    Signal,
    SignalFollowUp,
    Transition,
    VeiligThuisOutcome,
    VeiligThuisReport,
    WeighingAnswer,
)
from demo.largeboard.constants import BATCH


class Rows:
    """Collects the records of a chunk of cases and inserts them per model, parents before children."""

    ORDER = [
        Signal,
        SignalFollowUp,
        Consultation,
        ConsultationAction,
        Kindcheck,
        FlagAssessment,
        ParentConversation,
        ConversationSignal,
        ConversationAcknowledgement,
        ParentView,
        WeighingAnswer,
        RiskAssessment,
        HelpPlan,
        HelpTask,
        HelpEvaluation,
        VeiligThuisReport,
        VeiligThuisOutcome,
        MonitoringAgreement,
        MonitoringCheckIn,
        Closure,
        BoardNotification,
        InspectorConsultation,
        PoliceDecision,
        Transition,
    ]

    def __init__(self):
        self.by_model: dict[type, list] = {model: [] for model in self.ORDER}
        self.items = 0
        self.last = None
        self.notifications: list[Notification] = []

    def add(self, obj, counts: bool = True) -> None:
        self.by_model[type(obj)].append(obj)
        self.last = obj
        if counts:
            self.items += 1

    def save(self) -> None:
        for model in self.ORDER:
            objs = self.by_model[model]
            model.objects.bulk_create(objs, batch_size=BATCH)
        Notification.objects.bulk_create(self.notifications, batch_size=BATCH)
