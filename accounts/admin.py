"""The admin for users and their school roles. Administrators administer, they don't read (issue 18):

- no model-level permissions or groups can be handed out;
- a school role is *asked for* (``RoleGrant``) and takes effect only when the school confirms it (``accounts.roles``);
  nobody asks for a role for themselves; roles (``Membership``) cannot be added or changed here, only removed —
  audited for the school;
- the admin sets no password of a user with case access (a role at a school, or one waiting): it sends them a link;
  their e-mail address, where that link goes, is read-only here;
- a second factor can be reset (the user and their school are told), and the admin itself needs a second factor;
- no list takes lookups from the address beyond its own filters (``schools.admin.FilterLookupsOnly``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles, second_factor
from accounts.models import User
from schools.admin import FilterLookupsOnly
from schools.models import Membership, RoleGrant


def has_case_access(user: User) -> bool:
    """A role at a school, or one waiting for confirmation: whoever holds (or is about to hold) access to cases."""
    return (
        Membership.objects.filter(user=user).exists()
        or RoleGrant.objects.filter(user=user, state=RoleGrant.State.PENDING).exists()
    )


class MembershipInline(admin.TabularInline):
    """The user's roles, read-only: a role is asked for under "Role grants" and confirmed by the school."""

    model = Membership
    extra = 0
    fields = ["school", "role", "created_at"]
    readonly_fields = ["school", "role", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(FilterLookupsOnly, BaseUserAdmin):
    inlines = [MembershipInline]
    actions = ["reset_second_factor", "send_password_reset"]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    # Case permissions are never granted at model level: the ordinary permission and group fields are hidden so
    # that nobody hands out global rights by accident (see cases.permissions).
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and has_case_access(obj):
            fields.append("email")  # where the password link goes: not redirected by an administrator
        return fields

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if user is not None and has_case_access(user):
            self.message_user(
                request,
                gettext(
                    "The password of someone with a role at a school is not set in the admin. Use the action "
                    "“Send a link to set a new password” in the list of users."
                ),
                messages.ERROR,
            )
            return redirect(reverse("admin:accounts_user_change", args=[user.pk]))
        return super().user_change_password(request, id, form_url)

    @admin.action(description=_("Reset the second factor (they set it up again at their next login)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor.second_factor_reset(actor=request.user, colleague=user)
        self.message_user(
            request,
            _("The second factor of %(count)d user(s) has been reset.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Send a link to set a new password"))
    def send_password_reset(self, request, queryset):
        sent = 0
        for user in queryset:
            if user.email and user.is_active:
                roles.password_reset_send(actor=request.user, user=user)
                sent += 1
        self.message_user(
            request,
            gettext("A link to set a new password has been sent to %(count)d user(s).") % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )


@admin.register(Membership)
class MembershipAdmin(FilterLookupsOnly, admin.ModelAdmin):
    """The roles in effect: listed, and removed (audited for the school). Added only by confirming a role grant."""

    list_display = ["user", "school", "role", "created_at"]
    list_filter = ["school", "role"]
    search_fields = ["user__username", "user__last_name"]
    list_select_related = ["user", "school"]
    fields = ["user", "school", "role", "created_at"]
    readonly_fields = ["user", "school", "role", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        roles.membership_revoke(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "school"):
            roles.membership_revoke(actor=request.user, membership=membership)


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "school", "role"]

    actor: User | None = None

    def clean(self):
        data = super().clean()
        if self.actor is not None and all(data.get(f) for f in ("user", "school", "role")):
            try:
                roles.role_grant_check(actor=self.actor, user=data["user"], school=data["school"], role=data["role"])
            except roles.RoleGrantRefused as refused:
                raise forms.ValidationError(refused.message) from None
        return data


@admin.register(RoleGrant)
class RoleGrantAdmin(FilterLookupsOnly, admin.ModelAdmin):
    """Ask for a role at a school. It takes effect once the school's aandachtsfunctionaris confirms it on their
    Beveiliging page; a school without one is confirmed here, by a second administrator (the action)."""

    form = RoleGrantForm
    list_display = ["user", "school", "role", "state", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["state", "school", "role"]
    list_select_related = ["user", "school", "requested_by", "decided_by"]
    autocomplete_fields = ["school"]
    actions = ["confirm_grants"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [f.name for f in RoleGrant._meta.fields]
        return []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        grant = roles.role_grant_request(actor=request.user, user=obj.user, school=obj.school, role=obj.role)
        obj.pk = grant.pk
        obj.requested_by = grant.requested_by

    @admin.action(description=_("Confirm (a school without another aandachtsfunctionaris; not a grant you asked for)"))
    def confirm_grants(self, request, queryset):
        done, refused = 0, 0
        for grant in queryset:
            try:
                roles.role_grant_confirm(actor=request.user, grant_id=grant.pk)
                done += 1
            except roles.RoleGrantRefused:
                refused += 1
        if done:
            self.message_user(request, gettext("Confirmed: %(count)d.") % {"count": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                gettext(
                    "Not confirmed: %(count)d. A role is confirmed by the school's aandachtsfunctionaris; only for a "
                    "school without one by an administrator — not the one who asked, nor the person it is for."
                )
                % {"count": refused},
                messages.ERROR,
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
