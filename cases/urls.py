from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases import views, views_account, views_decisions, views_extract, views_figures, views_retention

case_patterns = [
    path("dossiers/", views.case_list, name="case-list"),
    path("dossiers/<int:pk>/", views.case_detail, name="case-detail"),
    path("dossiers/<int:pk>/inzage/", views.case_audit, name="case-audit"),
    path("scholen/<int:school_id>/signaal/nieuw/", views.signal_new, name="signal-new"),
    # The records a case page adds through the generic view (cases.records: each kind's path and name)
    *(
        path(f"dossiers/<int:pk>/{adding.path}", views.entry_add, {"kind": key}, name=f"{key}-add")
        for key, adding in views.ENTRY_KINDS.items()
    ),
    path(
        "dossiers/<int:pk>/signaal/<int:signal_id>/bevestigd-ontkracht/",
        views.signal_follow_up,
        name="signal-follow-up",
    ),
    path("dossiers/<int:pk>/oudergesprek-overslaan/", views.skip_add, name="skip-add"),
    path(
        "dossiers/<int:pk>/oudergesprek-overslaan/<int:skip_id>/bevestigen/",
        views.skip_confirm,
        name="skip-confirm",
    ),
    path("dossiers/<int:pk>/stap/<str:name>/", views.case_transition, name="case-transition"),
    # Steps 4-5 and route B
    path("dossiers/<int:pk>/weging/", views_decisions.weighing, name="weighing"),
    path("dossiers/<int:pk>/besluit/<slug:action>/", views_decisions.case_action, name="case-action"),
    path(
        "dossiers/<int:pk>/taken/<slug:kind>/<int:task_id>/afgerond/",
        views_decisions.task_done,
        name="task-done",
    ),
    # The parent extract
    path("dossiers/<int:pk>/uittreksel/", views_extract.extract_preview, name="extract-preview"),
    path("dossiers/<int:pk>/uittreksel/weglaten/", views_extract.extract_redact, name="extract-redact"),
    path("dossiers/<int:pk>/uittreksel/vrijgeven/", views_extract.extract_release, name="extract-release"),
    path("meldingen/<int:notification_id>/gelezen/", views.notification_read, name="notification-read"),
    # The social map, retention, the parents' requests
    path("scholen/<int:school_id>/sociale-kaart/", views_retention.social_map, name="social-map"),
    path("scholen/<int:school_id>/sociale-kaart/nieuw/", views_retention.social_map_entry, name="social-map-add"),
    path(
        "scholen/<int:school_id>/sociale-kaart/<int:entry_id>/wijzigen/",
        views_retention.social_map_entry,
        name="social-map-edit",
    ),
    path("dossiers/<int:pk>/bewaren/", views_retention.legal_hold, name="legal-hold"),
    path("dossiers/<int:pk>/verzoek-ouders/nieuw/", views_retention.access_request_add, name="access-request-add"),
    path(
        "dossiers/<int:pk>/verzoek-ouders/beantwoord/",
        views_retention.access_request_answer,
        name="access-request-answer",
    ),
    # Annual figures (counts only)
    path("jaarcijfers/", views_figures.figures_index, name="figures"),
    path("jaarcijfers/school/<int:school_id>/", views_figures.figures_school, name="figures-school"),
    path("jaarcijfers/school/<int:school_id>/csv/", views_figures.figures_school_csv, name="figures-school-csv"),
    path("jaarcijfers/bestuur/<int:board_id>/", views_figures.figures_board, name="figures-board"),
    path("jaarcijfers/bestuur/<int:board_id>/csv/", views_figures.figures_board_csv, name="figures-board-csv"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("tweede-factor/", views_account.verify, name="second-factor-verify"),
    path("tweede-factor/instellen/", views_account.enrol, name="second-factor-enrol"),
    path("beveiliging/", views_account.security, name="security"),
    path("beveiliging/reservecodes/", views_account.backup_codes, name="backup-codes"),
    path(
        "beveiliging/collega/<int:user_id>/tweede-factor-herstellen/",
        views_account.colleague_reset,
        name="second-factor-reset",
    ),
    path("start/<int:school_id>/<str:role>/", views.start, name="start"),
    path("gezond/", views.alive, name="alive"),
    path("", include((case_patterns, "cases"))),
]
