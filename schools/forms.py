from django import forms

from schools.models import SocialMapEntry


class SocialMapEntryForm(forms.ModelForm):
    class Meta:
        model = SocialMapEntry
        fields = ["kind", "organisation", "region", "phone", "email", "website", "notes", "active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def grouped_fields(self):
        return [("", list(self))]
