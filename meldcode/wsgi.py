import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
application = get_wsgi_application()

if settings.MELDCODE_PDF_WARM_UP:
    # Each (gunicorn) worker loads WeasyPrint and its fonts now rather than on its first parent extract (~1 s).
    from cases import pdf

    pdf.warm_up()
