from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cases.models import Board, ClassGroup, Guardian, HouseholdMember, Membership, Pupil, Role, School, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
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


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "brin", "board", "city"]
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
