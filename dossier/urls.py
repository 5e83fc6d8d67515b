from django.urls import path

from dossier import views, views_transfer

app_name = "dossier"
urlpatterns = [
    path("dossiers/<int:pk>/uittreksel/", views.extract_preview, name="extract-preview"),
    path("dossiers/<int:pk>/uittreksel/weglaten/", views.extract_redact, name="extract-redact"),
    path("dossiers/<int:pk>/uittreksel/namen/", views.extract_names, name="extract-names"),
    path("dossiers/<int:pk>/uittreksel/vrijgeven/", views.extract_release, name="extract-release"),
    path("dossiers/<int:pk>/uittreksel/vrijgeven/<int:job_pk>/", views.extract_job, name="extract-job"),
    path("dossiers/<int:pk>/uittreksel/<int:release_pk>/pdf/", views.extract_download, name="extract-download"),
    path("dossiers/<int:pk>/dossier-medewerkers/", views.staff_preview, name="staff-preview"),
    path("dossiers/<int:pk>/dossier-medewerkers/vrijgeven/", views.staff_release, name="staff-release"),
    path("dossiers/<int:pk>/dossier-medewerkers/vrijgeven/<int:job_pk>/", views.staff_job, name="staff-job"),
    path("dossiers/<int:pk>/dossier-medewerkers/<int:release_pk>/pdf/", views.staff_download, name="staff-download"),
    path("dossiers/<int:pk>/overdragen/", views_transfer.transfer_request, name="transfer-request"),
    path(
        "dossiers/<int:pk>/overdracht/<int:transfer_pk>/versleuteld/",
        views_transfer.transfer_encrypt,
        name="transfer-encrypt",
    ),
    path(
        "dossiers/<int:pk>/overdracht/<int:transfer_pk>/versleuteld/wachtwoord/",
        views_transfer.transfer_password,
        name="transfer-password",
    ),
    path(
        "dossiers/<int:pk>/overdracht/<int:transfer_pk>/versleuteld/pdf/",
        views_transfer.transfer_encrypted_download,
        name="transfer-encrypted-download",
    ),
    path("scholen/<int:school_id>/overdrachten/", views_transfer.school_transfers, name="school-transfers"),
    path("overdrachten/<int:transfer_pk>/", views_transfer.transfer_decide, name="transfer-decide"),
    path("dossiers/<int:pk>/bewaren/", views.legal_hold, name="legal-hold"),
    path("dossiers/<int:pk>/verzoek-ouders/nieuw/", views.access_request_add, name="access-request-add"),
    path(
        "dossiers/<int:pk>/verzoek-ouders/beantwoord/",
        views.access_request_answer,
        name="access-request-answer",
    ),
]
