"""The login form and the second factor's forms."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts import login_throttle


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or password is not correct. Both are case-sensitive; check your caps lock key."
        ),
        "inactive": _("This account has been deactivated. Ask your school's administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # AuthenticationForm sets the username's max_length after the field was made, without its validator.
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))

    def clean(self):
        # The per-username limit over all addresses (``accounts.login_throttle``), before the password is checked.
        username = self.cleaned_data.get("username")
        if username and self.request is not None and login_throttle.refused(self.request, username):
            raise ValidationError(
                _(
                    "Too many failed attempts to log in to this account from unknown addresses. Log in from an "
                    "address you used before (for example at school), or try again later."
                ),
                code="throttled",
            )
        return super().clean()


class SecondFactorCodeForm(forms.Form):
    """A code from the authenticator app (six digits) or one of the one-time backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}),
        error_messages={"required": _("Enter the code.")},
    )


class SecondFactorEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("The six digits the app shows after you added Meldcode."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Enter the code.")},
    )
