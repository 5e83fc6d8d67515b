"""Project-wide response headers."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Every page of the application is kept out of every cache: ``Cache-Control: no-store, private`` (and
    ``no-cache, must-revalidate, max-age=0``).

    Nearly every page shows a case, a pupil or a colleague, and schools share computers: a browser's back button
    or disk cache, or a proxy in between, must not keep them after the user has logged out. Static files are served
    by WhiteNoise before this middleware and keep their long cache lifetimes; error pages and redirects are marked
    as well (the whole response passes through here).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
