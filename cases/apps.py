from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Meldcode")

    def ready(self):
        from cases import access  # noqa: F401  (connects the receivers that keep access in step)
        from cases.chain import append as append_to_chain
        from cases.models.base import register_chain
        from cases.models.case import register_permission_check
        from cases.permissions import can

        # The state machine's transitions ask the one permission module, which the models cannot import.
        register_permission_check(can)
        # Every insert of a record of a case appends its link to the case's chain (``cases.chain``).
        register_chain(append_to_chain)
        from cases import deadlines

        # A school's holiday region decides its working days: its cases' stored next due dates follow a change.
        post_save.connect(deadlines.school_saved, sender="schools.School", dispatch_uid="cases.next_due.school")
