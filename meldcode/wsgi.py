import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
application = get_wsgi_application()

if settings.MELDCODE_PDF_WARM_UP:
    # Each (gunicorn) worker loads WeasyPrint and its fonts now rather than on its first parent extract (~1 s).
    from dossier import pdf

    pdf.warm_up()

# Everything loaded so far (Django, the URL patterns, templates, translations, WeasyPrint) lives as long as the
# worker: move it out of the garbage collector's generations, so that a full collection during a request does not
# walk hundreds of thousands of long-lived objects (a pause of many milliseconds, felt in the slowest requests).
gc.freeze()
