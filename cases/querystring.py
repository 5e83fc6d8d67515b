"""Numbers in query strings (``?school=3``, ``?corrigeert=12``): ASCII digits only, within a database id's range.

``str.isdigit()`` is not enough: it accepts "²" and other Unicode digits that ``int()`` refuses (a 500), and
``int()`` itself accepts "٣" and refuses 5,000 digits. A number that is not a plain id is a 404, as an id that
does not exist is.
"""

import re

from django.http import Http404

_ID = re.compile(r"[1-9][0-9]{0,18}")
_MAX_ID = 2**63 - 1  # BigAutoField


def id_or_404(value: str) -> int:
    """The id in ``value``, or Http404 if it is not a plain positive number in a database id's range."""
    if not isinstance(value, str) or not _ID.fullmatch(value) or int(value) > _MAX_ID:
        raise Http404
    return int(value)
