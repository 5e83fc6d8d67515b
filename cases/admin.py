from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import (
    AuditEvent,
    Board,
    Case,
    ClassGroup,
    Guardian,
    HouseholdMember,
    Membership,
    Pupil,
    Role,
    School,
    Transition,
    User,
)


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
        from cases import second_factor

        for user in queryset:
            second_factor.second_factor_reset(actor=request.user, colleague=user)
        self.message_user(
            request,
            _("The second factor of %(count)d user(s) has been reset.") % {"count": len(queryset)},
            messages.SUCCESS,
        )


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "brin", "board", "city", "require_second_factor_for_teachers"]
    list_filter = ["board"]
    search_fields = ["name", "brin"]


class ClassGroupForm(forms.ModelForm):
    class Meta:
        model = ClassGroup
        fields = ["school", "name", "teachers"]

    def clean(self):
        data = super().clean()
        school, teachers = data.get("school"), data.get("teachers")
        if school and teachers:
            allowed = set(
                Membership.objects.filter(school=school, role=Role.TEACHER, user__in=teachers).values_list(
                    "user_id", flat=True
                )
            )
            missing = [str(t) for t in teachers if t.pk not in allowed]
            if missing:
                self.add_error(
                    "teachers",
                    _("%(names)s do(es) not have the teacher role at this school.") % {"names": ", ".join(missing)},
                )
        return data


@admin.register(ClassGroup)
class ClassGroupAdmin(admin.ModelAdmin):
    form = ClassGroupForm
    list_display = ["name", "school"]
    list_filter = ["school"]
    search_fields = ["name"]
    filter_horizontal = ["teachers"]


class GuardianInline(admin.StackedInline):
    model = Guardian
    extra = 0


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    extra = 0


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "class_group", "school", "pupil_system_id"]
    list_filter = ["school", "class_group"]
    search_fields = ["last_name", "first_name", "pupil_system_id"]
    list_select_related = ["class_group", "school"]
    inlines = [GuardianInline, HouseholdMemberInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "role"]
    list_filter = ["school", "role"]
    search_fields = ["user__username", "user__last_name"]
    list_select_related = ["user", "school"]
    autocomplete_fields = ["school"]


# --- Cases: read-only, metadata only -----------------------------------------------------------------------------
# Case content is read in the application, where every read is audited and access follows the school roles.
# The admin shows only what an administrator needs to support the system, and changes nothing: the chronology is
# append-only and a case's step only changes through its transitions.


class ReadOnlyAdmin(admin.ModelAdmin):
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
    list_display = ["at", "user", "case", "action", "target", "ip_address"]
    list_filter = ["action"]
    fields = ["at", "user", "case", "action", "target", "path", "ip_address"]
    list_select_related = ["case", "user"]


# Permission groups are managed by the application (cases.access); editing them by hand could grant model-level
# rights, which would open every school's cases.
admin.site.unregister(Group)


# The second factor's devices are not edited in the admin (it would show or set secrets): users set up their own
# (``/tweede-factor/instellen/``); a reset is the action on the users' list, or the aandachtsfunctionaris's.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


# The admin needs a user who passed the second factor in this session (``cases.second_factor``), besides staff.
_admin_has_permission = admin.site.has_permission


def _admin_has_permission_verified(request) -> bool:
    user = request.user
    return _admin_has_permission(request) and bool(getattr(user, "is_verified", None) and user.is_verified())


admin.site.has_permission = _admin_has_permission_verified
