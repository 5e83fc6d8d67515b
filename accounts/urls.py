"""Logging in and out, the second factor and the own security page. The names have no namespace (``login``,
``logout``, ``security``...), as Django's ``LOGIN_URL`` and the templates use them."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("tweede-factor/", views.verify, name="second-factor-verify"),
    path("tweede-factor/instellen/", views.enrol, name="second-factor-enrol"),
    path("beveiliging/", views.security, name="security"),
    path("beveiliging/reservecodes/", views.backup_codes, name="backup-codes"),
    path(
        "beveiliging/collega/<int:user_id>/tweede-factor-herstellen/",
        views.colleague_reset,
        name="second-factor-reset",
    ),
    path("beveiliging/rollen/<int:grant_id>/bevestigen/", views.role_grant_confirm, name="role-grant-confirm"),
    path("beveiliging/rollen/<int:grant_id>/weigeren/", views.role_grant_refuse, name="role-grant-refuse"),
    path("beveiliging/school/<int:school_id>/logboek/", views.school_account_log, name="school-account-log"),
    path("wachtwoord/nieuw/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("wachtwoord/nieuw/klaar/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
