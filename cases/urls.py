from django.urls import include, path

from cases import views, views_children, views_decisions, views_writing_help

case_patterns = [
    path("dossiers/", views.case_list, name="case-list"),
    path("dossiers/<int:pk>/", views.case_detail, name="case-detail"),
    path("dossiers/<int:pk>/inzage/", views.case_audit, name="case-audit"),
    path("scholen/<int:school_id>/signaal/nieuw/", views.signal_new, name="signal-new"),
    path(
        "scholen/<int:school_id>/signaal/schrijfhulp/",
        views_writing_help.writing_help_new_signal,
        name="writing-help-new-signal",
    ),
    path("dossiers/<int:pk>/schrijfhulp/<slug:kind>/", views_writing_help.writing_help_entry, name="writing-help"),
    path("scholen/<int:school_id>/eerdere-dossiers/", views_children.pupil_earlier_cases, name="pupil-earlier-cases"),
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
    path(
        "dossiers/<int:pk>/signaal/<int:signal_id>/signalenlijst/",
        views.signal_details,
        name="signal-details",
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
        "dossiers/<int:pk>/hulpplan/<int:plan_id>/corrigeren/",
        views_decisions.help_plan_correct,
        name="help-plan-correct",
    ),
    path(
        "dossiers/<int:pk>/taken/<slug:kind>/<int:task_id>/afgerond/",
        views_decisions.task_done,
        name="task-done",
    ),
    path("meldingen/<int:notification_id>/gelezen/", views.notification_read, name="notification-read"),
    path("meldingen/alles-gelezen/", views.notifications_all_read, name="notifications-all-read"),
    path("meldingen/eerder/", views.notification_history, name="notification-history"),
    path("spoed/<int:alert_id>/gezien/", views.alert_acknowledge, name="alert-acknowledge"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("start/<int:school_id>/<str:role>/", views.start, name="start"),
    path("gezond/", views.alive, name="alive"),
    path("", include((case_patterns, "cases"))),
]
