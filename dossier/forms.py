"""Forms of the dossier: leaving an entry out of the parent extract, the legal hold, the parents' requests."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import EntryForm
from cases.models import AccessRequest, AccessRequestHandled


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
        help_text=_("The organisation and, if known, the person: for example “Inspectie van het Onderwijs, J. Jansen”."),
    )
    purpose = forms.ChoiceField(label=_("purpose"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        from dossier.models import StaffPurpose

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = StaffPurpose.choices
