"""The admin for cases: read-only, metadata only. Case content is read in the application, where every read is
audited and access follows the school roles."""

from django.contrib import admin
from django.contrib.auth.models import Group

from cases.models import Alert, AuditEvent, Case, Notification, ReminderSent, Transition
from schools.admin import FilterLookupsOnly

# --- Cases: read-only, metadata only -----------------------------------------------------------------------------
# Case content is read in the application, where every read is audited and access follows the school roles.
# The admin shows only what an administrator needs to support the system, and changes nothing: the chronology is
# append-only and a case's step only changes through its transitions.


class ReadOnlyAdmin(FilterLookupsOnly, admin.ModelAdmin):
    """Read-only, and no lookups from the address but the list's own filters (no ``?pupils=<id>``: which child has
    a case is not the administrator's to learn)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "school", "route", "state", "opened_at", "last_activity_at"]
    list_filter = ["school", "state", "route"]
    fields = ["reference", "school", "route", "state", "opened_at", "closed_at", "retention_until", "legal_hold"]
    list_select_related = ["school"]


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["case", "name", "from_state", "to_state", "actor", "at"]
    fields = ["case", "name", "from_state", "to_state", "actor", "at"]
    list_select_related = ["case", "actor"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "case", "school", "action", "target", "ip_address"]
    list_filter = ["action"]
    fields = ["at", "user", "case", "school", "subject_user", "action", "target", "path", "ip_address"]
    list_select_related = ["case", "user", "school"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Hand-over notifications: read-only (they follow from step changes; the user marks them read)."""

    list_display = ["created_at", "user", "case", "kind", "read_at", "resolved_at"]
    list_filter = ["kind"]
    fields = ["created_at", "user", "case", "kind", "read_at", "resolved_at"]
    list_select_related = ["user", "case"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Urgent alerts (``cases.alerts``): read-only — who acknowledged them, how far they escalated, and whether the
    board had a contact to escalate to."""

    list_display = ["created_at", "school", "case", "kind", "level", "acknowledged_at", "settled_at"]
    list_filter = ["kind", "level", "board_contact_missing"]
    fields = [
        "created_at",
        "school",
        "case",
        "kind",
        "raised_by",
        "acknowledged_at",
        "acknowledged_by",
        "settled_at",
        "level",
        "reminded_at",
        "board_alerted_at",
        "board_contact_missing",
    ]
    list_select_related = ["school", "case"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    """The reminder e-mails sent (one per case, deadline, due date and person): read-only."""

    list_display = ["sent_at", "user", "case", "kind", "due_on"]
    fields = ["sent_at", "user", "case", "kind", "due_on"]
    list_select_related = ["user", "case"]


# Permission groups are managed by the application (cases.access); editing them by hand could grant model-level
# rights, which would open every school's cases.
admin.site.unregister(Group)
