"""Logging in, and the second factor: enter a code after the password, set up an authenticator app, the own
security page (backup codes), and the aandachtsfunctionaris resetting a colleague's second factor
(``accounts.second_factor``)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import forms, roles
from accounts import second_factor as sf
from cases import permissions as perms


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": _("Log in")}


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _too_many(locked_until) -> str:
    return gettext("Too many wrong codes. Wait until %(time)s and try again.") % {
        "time": time_format(timezone.localtime(locked_until), "H:i:s")
    }


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def verify(request):
    """After the password: a code from the app, or a backup code."""
    if sf.is_verified(request.user) or not sf.status(request.user).has_device:
        return redirect(_next_url(request))
    form = forms.SecondFactorCodeForm(request.POST or None)
    if form.is_valid():
        result = sf.verify(user=request.user, token=form.cleaned_data["code"])
        if result.device is not None:
            sf.complete_verification(request, result.device)
            return redirect(_next_url(request))
        if result.locked_until is not None:
            form.add_error("code", _too_many(result.locked_until))
        else:
            form.add_error("code", gettext("This code is not correct, or it has been used already. Try again."))
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": _next_url(request), "title": _("Second factor")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def enrol(request):
    """Set up an authenticator app: a QR code (and the secret as text), confirmed with a code from the app; then
    ten backup codes, shown once. Someone who already has a second factor must have used it in this session
    (otherwise the password alone could replace it)."""
    state = sf.status(request.user)
    if state.has_device and not sf.is_verified(request.user):
        return redirect("second-factor-verify")
    device = sf.enrolment_device(user=request.user)
    form = forms.SecondFactorEnrolForm(request.POST or None)
    if form.is_valid():
        result = sf.enrolment_confirm(user=request.user, device_id=device.pk, token=form.cleaned_data["code"])
        if result.device is not None:
            sf.complete_verification(request, result.device)
            return render(
                request,
                "registration/backup_codes.html",
                {"codes": result.codes, "next": _next_url(request), "title": _("Your backup codes"), "enrolled": True},
            )
        if result.locked_until is not None:
            form.add_error("code", _too_many(result.locked_until))
        else:
            form.add_error("code", gettext("This code is not correct. Check the time on your phone and try again."))
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "qr_svg": sf.qr_code_svg(device),
            "secret": sf.secret_for_display(device),
            "required": state.required,
            "replacing": state.has_device,
            "next": _next_url(request),
            "title": _("Set up a second factor"),
        },
    )


@require_safe
@login_required
def security(request):
    """The own security page: the second factor's state, set it up (again), new backup codes; for the
    aandachtsfunctionaris also the colleagues whose second factor they can reset."""
    state = sf.status(request.user)
    return render(
        request,
        "registration/security.html",
        {
            "status": state,
            "colleagues": sf.colleague_list_for_af(user=request.user),
            "pending_grants": roles.grants_to_decide_for(request.user),
            "resets_of_me": sf.resets_of(request.user),
            "account_log_schools": sorted(
                (m.school for m in request.user.memberships.select_related("school") if m.role == "af"),
                key=lambda school: school.name,
            ),
            "title": _("Security"),
        },
    )


@require_POST
@login_required
def backup_codes(request):
    """New backup codes (the old ones stop working), shown once."""
    if not sf.status(request.user).has_device:
        messages.error(request, gettext("Set up a second factor first."))
        return redirect("security")
    codes = sf.backup_codes_regenerate(user=request.user)
    return render(
        request,
        "registration/backup_codes.html",
        {"codes": codes, "next": resolve_url("security"), "title": _("Your backup codes"), "enrolled": False},
    )


@require_POST
@login_required
def colleague_reset(request, user_id: int):
    """The aandachtsfunctionaris removes a colleague's second factor (a lost phone): they set it up again at their
    next login. Only for colleagues at the aandachtsfunctionaris's own schools; anyone else: 404."""
    colleague = sf.colleague_get_for_af(user=request.user, colleague_id=user_id)
    sf.second_factor_reset(actor=request.user, colleague=colleague)
    messages.success(
        request,
        gettext("The second factor of %(name)s has been reset. They set it up again at their next login.")
        % {"name": colleague},
    )
    return redirect("security")


# --- Role grants and the school's account log (``accounts.roles``) ------------------------------------------------


def _decide_grant(request, grant_id: int, *, confirm: bool):
    try:
        grant = (roles.role_grant_confirm if confirm else roles.role_grant_refuse)(
            actor=request.user, grant_id=grant_id
        )
    except roles.RoleGrantRefused:
        raise Http404 from None  # not theirs to decide: they learn nothing about it
    text = (
        gettext("The role of %(name)s has been confirmed.")
        if confirm
        else gettext("The role of %(name)s has been refused.")
    )
    messages.success(request, text % {"name": grant.user})
    return redirect("security")


@require_POST
@login_required
def role_grant_confirm(request, grant_id: int):
    """The aandachtsfunctionaris confirms a role an administrator asked for at their school: it takes effect now."""
    return _decide_grant(request, grant_id, confirm=True)


@require_POST
@login_required
def role_grant_refuse(request, grant_id: int):
    """The aandachtsfunctionaris refuses a role an administrator asked for at their school."""
    return _decide_grant(request, grant_id, confirm=False)


@require_safe
@login_required
def school_account_log(request, school_id: int):
    """The school's account log for its aandachtsfunctionaris: roles asked for, confirmed, refused and removed, second
    factors reset, password links sent — who, whose, when, from where."""
    perms.require_school_account_log(request.user, school_id)
    from schools.models import School

    school = get_object_or_404(School, pk=school_id)
    return render(
        request,
        "registration/school_account_log.html",
        {
            "school": school,
            "events": roles.school_account_log(school_id=school_id),
            "title": _("Account log of %(school)s") % {"school": school.name},
        },
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail (``accounts.roles.password_reset_mail``): choose a new password."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    extra_context = {"title": _("Choose a new password")}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
    extra_context = {"title": _("Your new password has been set")}
