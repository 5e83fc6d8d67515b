"""The admin for schools, groups, pupils (with the pupil import) and the social map. Staff roles and their grants:
``accounts.admin``."""

import base64
import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schools import pupil_import
from schools.models import (
    Board,
    ClassGroup,
    Guardian,
    HouseholdMember,
    Membership,
    Pupil,
    PupilImport,
    Role,
    School,
    SocialMapEntry,
)


class FilterLookupsOnly:
    """A list in the admin takes no lookup from the address but its own filters (``list_filter``).

    Django's admin accepts any lookup on a model's own fields and relations from the query string — on the cases'
    list ``?pupils=<id>`` or ``?pupils__in=…``, on the pupils' ``?cases__isnull=False`` — which tells an administrator
    which named child has a case, in which step. Every ModelAdmin of the project mixes this in: a lookup whose first
    part is not one of its filters' fields answers 400 (``DisallowedModelAdminLookup``)."""

    def lookup_allowed(self, lookup, value, request):
        filtered = set()
        for entry in self.get_list_filter(request):
            name = entry[0] if isinstance(entry, (tuple, list)) else entry
            if isinstance(name, str):
                filtered.add(name.split("__")[0])
        if self.date_hierarchy:
            filtered.add(self.date_hierarchy.split("__")[0])
        if lookup.split("__")[0] not in filtered:
            return False
        return super().lookup_allowed(lookup, value, request)


class ModelAdmin(FilterLookupsOnly, admin.ModelAdmin):
    """The project's base for every ModelAdmin (``FilterLookupsOnly``)."""


@admin.register(Board)
class BoardAdmin(ModelAdmin):
    list_display = ["name", "contact_name", "contact_email"]
    search_fields = ["name"]
    fields = ["name", "contact_name", "contact_email"]


@admin.register(School)
class SchoolAdmin(ModelAdmin):
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
class ClassGroupAdmin(ModelAdmin):
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


class PupilImportForm(forms.Form):
    """Step 1 of the import: the school and the file. The file is checked for size and type here; its rows are
    checked by the dry run (``schools.pupil_import``)."""

    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.order_by("name"))
    file = forms.FileField(
        label=_("CSV file from the pupil administration"),
        help_text=_("At most 2 MB; separated by semicolons, commas or tabs; UTF-8 or Windows-1252."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > pupil_import.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB. Export only the pupils of this school."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Choose a CSV file (ending in .csv or .txt)."))
        data = upload.read()
        try:
            pupil_import.decode(data)
        except pupil_import.ImportRefused as exc:
            raise forms.ValidationError(exc.message) from None
        return data


SESSION_KEY = "meldcode_pupil_import"


@admin.register(Pupil)
class PupilAdmin(ModelAdmin):
    list_display = ["last_name", "first_name", "class_group", "school", "pupil_system_id"]
    list_filter = ["school", "class_group"]
    search_fields = ["last_name", "first_name", "pupil_system_id"]
    list_select_related = ["class_group", "school"]
    inlines = [GuardianInline, HouseholdMemberInline]
    change_list_template = "admin/schools/pupil/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="schools_pupil_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload → preview (the dry run) → confirm. The uploaded file waits in the session between preview and
        confirmation; the confirmation names its checksum, so a second upload in another tab cannot be imported
        by an older preview."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import pupils"),
            "columns": pupil_import.REQUIRED,
        }
        if request.method == "POST" and request.POST.get("confirm"):
            pending = request.session.get(SESSION_KEY)
            if not pending or pending.get("checksum") != request.POST.get("checksum"):
                messages.error(request, gettext("This preview has expired. Upload the file again."))
                return redirect("admin:schools_pupil_import")
            school = School.objects.get(pk=pending["school"])
            data = base64.b64decode(pending["data"])
            report = pupil_import.run_import(school=school, data=data, user=request.user, via=PupilImport.Via.ADMIN)
            del request.session[SESSION_KEY]
            if not report.ok:  # the pupils changed in the meantime: show the new problems
                return TemplateResponse(
                    request,
                    "admin/schools/pupil/import.html",
                    {**context, "form": PupilImportForm(initial={"school": school}), "report": report},
                )
            messages.success(
                request,
                gettext("Imported into %(school)s: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                % {
                    "school": school.name,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
            return redirect(reverse("admin:schools_pupil_changelist") + f"?school__id__exact={school.pk}")
        if request.method == "GET":
            request.session.pop(SESSION_KEY, None)  # a fresh start drops an unconfirmed preview
        form = PupilImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            school, data = form.cleaned_data["school"], form.cleaned_data["file"]
            report = pupil_import.plan_import(school=school, data=data)
            if report.ok:
                checksum = hashlib.sha256(data).hexdigest()
                request.session[SESSION_KEY] = {
                    "school": school.pk,
                    "data": base64.b64encode(data).decode("ascii"),
                    "checksum": checksum,
                }
                context["checksum"] = checksum
        return TemplateResponse(request, "admin/schools/pupil/import.html", {**context, "form": form, "report": report})


@admin.register(PupilImport)
class PupilImportAdmin(ModelAdmin):
    """The record of every import: who, when, how many. Read-only."""

    list_display = ["imported_at", "school", "imported_by", "via", "created", "updated", "unchanged", "not_in_file"]
    list_filter = ["school", "via"]
    list_select_related = ["school", "imported_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SocialMapEntry)
class SocialMapEntryAdmin(ModelAdmin):
    """The social map: national entries (no board, no school), a board's, a school's. Not case data."""

    list_display = ["organisation", "kind", "board", "school", "phone", "active"]
    list_filter = ["kind", "active", "board", "school"]
    search_fields = ["organisation", "region"]
    list_select_related = ["board", "school"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: records may name the entry
