from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cases import selectors
from cases.forms import LoginForm
from cases.models import Role


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"title": _("Log in")}


@require_GET
@login_required
def home(request):
    """Send the user to the start page of their role; offer a choice when they hold several."""
    memberships = selectors.membership_list_for_user(user=request.user)
    if len(memberships) == 1:
        m = memberships[0]
        return redirect("start", school_id=m.school_id, role=m.role)
    return render(request, "cases/home.html", {"memberships": memberships, "title": _("Choose your role")})


START_TEMPLATES = {
    Role.TEACHER: "cases/start_teacher.html",
    Role.CONTACT_PERSON: "cases/start_contact_person.html",
    Role.IB: "cases/start_ib.html",
    Role.AF: "cases/start_af.html",
}


@require_GET
@login_required
def start(request, school_id: int, role: str):
    membership = selectors.membership_get_for_user(user=request.user, school_id=school_id, role=role)
    if membership is None:
        raise Http404
    context = {
        "membership": membership,
        "school": membership.school,
        "memberships": selectors.membership_list_for_user(user=request.user),
        "title": membership.get_role_display(),
    }
    if role == Role.TEACHER:
        context["class_groups"] = selectors.class_group_list_for_teacher(user=request.user, school_id=school_id)
        context["pupils"] = selectors.pupil_list_for_teacher(user=request.user, school_id=school_id)
    elif role in (Role.IB, Role.AF):
        context["class_groups"] = selectors.class_group_list_for_school(school_id=school_id)
    return render(request, START_TEMPLATES[Role(role)], context)
