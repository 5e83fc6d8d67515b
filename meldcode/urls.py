from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe

admin.site.site_header = "Meldcode"
admin.site.site_title = "Meldcode"
admin.site.index_title = admin.site.site_header


@require_safe
def favicon(request):
    """Browsers and bookmark tools ask for /favicon.ico whatever the page says: send them to the SVG icon (a
    temporary redirect, as the static file's name carries its hash in production)."""
    return redirect(static("img/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
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
