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
