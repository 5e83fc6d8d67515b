"""The outbox in the admin: read-only, and without the mails' bodies (a password link must not be readable by an
administrator). A failed mail can be queued again."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outbox import services
from outbox.models import OutgoingMail
from schools.admin import FilterLookupsOnly


@admin.register(OutgoingMail)
class OutgoingMailAdmin(FilterLookupsOnly, admin.ModelAdmin):
    list_display = ["pk", "to", "subject", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["state"]
    fields = [
        *["to", "from_email", "subject", "state", "attempts"],
        *["next_attempt_at", "sent_at", "last_error", "created_at"],
    ]
    readonly_fields = fields
    actions = ["queue_again"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Queue the failed e-mails again"), permissions=["view"])
    def queue_again(self, request, queryset):
        failed = list(queryset.filter(state=OutgoingMail.State.FAILED))
        for mail in failed:
            services.retry(mail)
        self.message_user(
            request,
            gettext("E-mails queued again: %(count)d.") % {"count": len(failed)},
            messages.SUCCESS,
        )
