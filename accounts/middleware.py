from django.conf import settings
from django.utils import translation


class LanguageCookieMiddleware:
    """Activate the language the user chose (language cookie); otherwise Dutch.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, which would show an English
    interface to most staff whose browsers are set to English. The product is Dutch; English is a choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
