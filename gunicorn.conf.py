"""gunicorn's settings, read from the working directory when gunicorn starts (``gunicorn meldcode.wsgi``).

The access log (when switched on with ``--access-logfile``) names the path without its query string and leaves out
the referer: either may carry a search term, such as a child's name searched for in the admin (``?q=...``).
"""

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)s "%(a)s"'
