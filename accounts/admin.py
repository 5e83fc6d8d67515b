"""The admin for users: no model-level permissions or groups can be handed out, the second factor can be reset,
and the admin itself needs a second factor."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from accounts.models import User
from schools.models import Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    actions = ["reset_second_factor"]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    # Case permissions are never granted at model level: the ordinary permission and group fields are hidden so
    # that nobody hands out global rights by accident (see cases.permissions).
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    @admin.action(description=_("Reset the second factor (they set it up again at their next login)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor.second_factor_reset(actor=request.user, colleague=user)
        self.message_user(
            request,
            _("The second factor of %(count)d user(s) has been reset.") % {"count": len(queryset)},
            messages.SUCCESS,
        )


# The second factor's devices are not edited in the admin (it would show or set secrets): users set up their own
# (``/tweede-factor/instellen/``); a reset is the action on the users' list, or the aandachtsfunctionaris's.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


# The admin needs a user who passed the second factor in this session (``accounts.second_factor``), besides staff.
_admin_has_permission = admin.site.has_permission


def _admin_has_permission_verified(request) -> bool:
    user = request.user
    return _admin_has_permission(request) and bool(getattr(user, "is_verified", None) and user.is_verified())


admin.site.has_permission = _admin_has_permission_verified
