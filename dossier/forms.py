"""Forms of the dossier: leaving an entry out of the parent extract, the legal hold, the parents' requests."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import EntryForm
from cases.models import AccessRequest, AccessRequestHandled
from schools.models import School


class RedactionForm(forms.Form):
    """Leave an entry out of the parent extract because it could endanger someone (the aandachtsfunctionaris)."""

    entry = forms.ChoiceField(label=_("entry"))
    reason = forms.CharField(
        label=_("why this could endanger someone"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("For example: it shows the address of the shelter where the mother stays."),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", "—"), *choices]

    def entry_key(self) -> tuple[str, int]:
        kind, _sep, pk = self.cleaned_data["entry"].partition(":")
        return kind, int(pk)


class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("For example: a complaint procedure or a court case in which the file may be needed."),
    )

    def grouped_fields(self):
        return [("", list(self))]


class AccessRequestForm(EntryForm):
    class Meta:
        model = AccessRequest
        fields = ["kind", "received_on", "requester", "details"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, guardians=None, **kwargs):
        super().__init__(*args, **kwargs)
        requester = self.fields["requester"]
        requester.queryset = guardians if guardians is not None else requester.queryset.none()
        # domain.md §9.6: only a parent or carer with parental authority may see the file or receive a copy; a
        # parent without authority may ask for information only.
        requester.label_from_instance = lambda g: "{} ({}) — {}".format(
            g.name,
            g.get_relation_display(),
            _("parental authority") if g.has_parental_authority else _("no parental authority: information only"),
        )
        requester.help_text = _(
            "Only a parent or carer with parental authority may see the file, receive a copy or ask for a correction. "
            "A parent without parental authority may ask for information about the child, which the school gives "
            "within limits (not when it harms the child's interests)."
        )


class AccessRequestHandledForm(EntryForm):
    class Meta:
        model = AccessRequestHandled
        fields = ["request", "handled_on", "outcome", "notes"]
        widgets = {"outcome": forms.RadioSelect}

    def __init__(self, *args, requests=None, **kwargs):
        # The request is a record of the case: offered by a readable label, only this case's (``EntryForm``).
        super().__init__(*args, record_choices={"request": requests}, **kwargs)


class NameDecisionsForm(forms.Form):
    """For each name of another person found in the extract's texts (``names_check``): leave it out, or keep it with
    a reason. ``confirm_all`` leaves out every name without a choice. The fields are made per hit:
    ``decision-<key>`` and ``reason-<key>``; the template lays them out next to each hit."""

    LEAVE_OUT, KEEP = "redact", "keep"

    def __init__(self, *args, hits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.hits = list(hits)
        for hit in self.hits:
            self.fields[f"decision-{hit.key}"] = forms.ChoiceField(
                choices=[(self.LEAVE_OUT, _("leave out")), (self.KEEP, _("keep, because:"))], required=False
            )
            self.fields[f"reason-{hit.key}"] = forms.CharField(required=False, max_length=500)

    def clean(self):
        cleaned = super().clean()
        confirm_all = bool(self.data.get("all"))
        decisions = []
        for hit in self.hits:
            choice = cleaned.get(f"decision-{hit.key}") or (self.LEAVE_OUT if confirm_all else "")
            reason = (cleaned.get(f"reason-{hit.key}") or "").strip()
            if choice == self.KEEP and not reason:
                self.add_error(f"reason-{hit.key}", _("Give the reason for keeping this name in the extract."))
            elif choice:
                decisions.append((hit, choice == self.KEEP, reason))
        if not decisions and not self.errors and not (confirm_all and not self.hits):
            raise forms.ValidationError(_("Choose for at least one name whether to leave it out or keep it."))
        cleaned["decisions"] = decisions
        return cleaned

    def rows(self) -> list[dict]:
        """Per hit, what the template lays out: the field names, the user's choice and reason, the errors."""
        result = []
        for hit in self.hits:
            decision, reason = f"decision-{hit.key}", f"reason-{hit.key}"
            result.append(
                {
                    "hit": hit,
                    "decision_name": decision,
                    "reason_name": reason,
                    "choice": self.data.get(decision, "") if self.is_bound else "",
                    "reason": self.data.get(reason, "") if self.is_bound else "",
                    "errors": self.errors.get(reason, []) if self.is_bound else [],
                }
            )
        return result


class StaffReleaseForm(forms.Form):
    """For whom and why the staff dossier is released (the aandachtsfunctionaris)."""

    recipient = forms.CharField(
        label=_("for whom"),
        max_length=200,
        help_text=_(
            "The organisation and, if known, the person: for example “Inspectie van het Onderwijs, J. Jansen”."
        ),
    )
    purpose = forms.ChoiceField(label=_("purpose"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        from dossier.models import StaffPurpose

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = StaffPurpose.choices


class TransferForm(forms.Form):
    """The pupil moves to another school: within the board (the case follows the pupil) or outside it (the staff
    dossier travels, encrypted). Whether and when the parents were informed, or why not, is required."""

    WITHIN, OUTSIDE = "within", "outside"

    kind = forms.ChoiceField(
        label=_("where the pupil goes"),
        choices=[
            (WITHIN, _("to a school of our board: the case moves along")),
            (OUTSIDE, _("to a school outside our board: the staff dossier goes along, encrypted")),
        ],
        widget=forms.RadioSelect,
    )
    to_school = forms.ModelChoiceField(label=_("school of our board"), queryset=None, required=False)
    school_name = forms.CharField(label=_("name of the school outside the board"), max_length=200, required=False)
    brin = forms.CharField(label=_("its BRIN code"), max_length=6, required=False, help_text=_("For example 12AB."))
    parents_informed_on = forms.DateField(
        label=_("the parents were informed of the transfer on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    parents_not_informed_reason = forms.CharField(
        label=_("or: why the parents were not informed"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The other schools of the case's board (the view passes them); none when the form is made without them.
        self.fields["to_school"].queryset = schools if schools is not None else School.objects.none()
        self.fields["to_school"].empty_label = "—"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == self.WITHIN and not cleaned.get("to_school"):
            self.add_error("to_school", _("Choose the school of the board the pupil goes to."))
        if cleaned.get("kind") == self.OUTSIDE:
            if not (cleaned.get("school_name") or "").strip():
                self.add_error("school_name", _("Give the name of the new school."))
            if not (cleaned.get("brin") or "").strip():
                self.add_error("brin", _("Give the new school's BRIN code."))
        if not cleaned.get("parents_informed_on") and not (cleaned.get("parents_not_informed_reason") or "").strip():
            self.add_error("parents_informed_on", _("Say when the parents were informed of the transfer, or why not."))
        return cleaned


class TransferAcceptForm(forms.Form):
    """The new school's aandachtsfunctionaris accepts a case: per pupil of the case, the pupil at the new school
    (from its pupil import), or a copy of the old school's record with the pupil's number at the new school."""

    def __init__(self, *args, pupils=(), candidates=None, **kwargs):
        from dossier.transfer import COPY

        super().__init__(*args, **kwargs)
        self.pupils = list(pupils)
        candidates = candidates or {}
        for pupil in self.pupils:
            choices = [
                (str(c.pk), f"{c} — {c.class_group.name if c.class_group else ''} ({c.pupil_system_id})")
                for c in candidates.get(pupil.pk, [])
            ]
            choices.append((COPY, _("not in our pupil records yet: take the record over from the old school")))
            self.fields[f"pupil-{pupil.pk}"] = forms.ChoiceField(
                label=_("%(pupil)s, born %(born)s, at our school")
                % {"pupil": pupil, "born": pupil.date_of_birth.strftime("%d-%m-%Y")},
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose the pupil at your school, or take the record over.")},
            )
            self.fields[f"number-{pupil.pk}"] = forms.CharField(
                label=_("pupil number at our school (when taking the record over)"), max_length=40, required=False
            )

    def clean(self):
        from dossier.transfer import COPY

        cleaned = super().clean()
        for pupil in self.pupils:
            if cleaned.get(f"pupil-{pupil.pk}") == COPY and not (cleaned.get(f"number-{pupil.pk}") or "").strip():
                self.add_error(f"number-{pupil.pk}", _("Give the pupil's number at your school."))
        return cleaned

    def choices(self) -> dict[int, tuple[str, str]]:
        return {
            p.pk: (self.cleaned_data[f"pupil-{p.pk}"], self.cleaned_data.get(f"number-{p.pk}") or "")
            for p in self.pupils
        }


class TransferRefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("why your school does not take the case over"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
