from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Meldcode"
admin.site.site_title = "Meldcode"
admin.site.index_title = admin.site.site_header

urlpatterns = [
    path("", include("accounts.urls")),
    path("", include("cases.urls")),
    path("", include("schools.urls")),
    path("", include("dossier.urls")),
    path("", include("reporting.urls")),
    path("", include("guide.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("beheer/", admin.site.urls),
]

if settings.DEBUG:  # pragma: no cover - development only
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# A server error (or a session that could not be saved): the ordinary 500 (400) page, or a 503 with a retry hint when
# the database cannot be reached (meldcode.errors).
handler500 = "meldcode.errors.server_error"
handler400 = "meldcode.errors.bad_request"
