"""Logging filters: nothing after a ``?`` in a logged path or request line.

A query string may carry a search term — the admin's pupil search puts a child's name in ``?q=`` — or a ``next``
address that does (the second-factor page). Request paths and ids are enough to follow what happened; the filter
removes every query string from the record's message and its arguments before any handler formats it.
"""

import logging
import re

# "?..." up to the next whitespace or quote: the query string in a path, a URL or an HTTP request line.
_QUERY = re.compile(r"\?[^\s\"']*")


def strip_query_strings(value):
    return _QUERY.sub("", value) if isinstance(value, str) else value


class NoQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query_strings(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query_strings(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: strip_query_strings(v) for k, v in record.args.items()}
        return True
