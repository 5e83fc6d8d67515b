"""Rendered chronology items, kept per worker process under a key derived from everything they show.

A case page shows a page of the chronology; each item is rendered from its record (append-only), the records loaded
with it (author, follow-ups, actions, acknowledgements…), the record that corrects it, a few facts of the case and
what the viewer may do (``can``). Rendering an item with Django's template engine costs about 0.4 ms; a page of 25
items is most of the case page's time. Because the records never change, the rendered HTML can be reused — but
only when nothing it shows has changed, so the key is not an id: it is a digest of every value the item is
rendered from (the records' field values and everything loaded with them, recursively), the case's fields, the
viewer's ``can`` flags, the viewer's reading role (``cases.visibility.Reader.cache_key``: a fragment rendered for one
role is never served to another), the template (a restricted item's summary has its own), the language and the time
zone. A new follow-up, a correction, a renamed author, a closed case or a viewer with other rights gives another key
and a fresh rendering: an item is never shown stale, nor to a reader it was not rendered for.

An item that the reader may read only the summary of (``item.restricted``) is rendered from its summary, its date
and its author alone: the record itself is not in the template's context.

Templates of chronology items must not load anything lazily (``tests/test_queries.py`` makes lazy loads raise
while counting the case page's queries), so that the digest covers all they show.

The fragments stay in the worker's own memory (``CACHES["fragments"]``: local memory, bounded, expiring after
``FRAGMENT_CACHE_SECONDS``); they are never written to disk or shared between processes.
"""

import functools
import hashlib

from django.core.cache import caches
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

CACHE_ALIAS = "fragments"
_DEFERRED = "<not loaded>"


@functools.cache
def _attnames(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def _values(obj, seen: set[int], out: list) -> None:
    """Append a canonical description of ``obj`` to ``out``: its field values and, recursively, the related objects
    loaded with it (select_related and prefetched), each once."""
    if isinstance(obj, models.Model):
        if id(obj) in seen:
            out.append(("seen", obj._meta.label, obj.pk))
            return
        seen.add(id(obj))
        values = obj.__dict__
        out.append(obj._meta.label)
        out.extend([values.get(name, _DEFERRED) for name in _attnames(type(obj))])
        for name, related in sorted(obj._state.fields_cache.items()):
            out.append(name)
            _values(related, seen, out)
        for name, related in sorted(values.get("_prefetched_objects_cache", {}).items()):
            out.append(name)
            for each in related:
                _values(each, seen, out)
    else:
        out.append(obj)


def fingerprint(*objects) -> str:
    out: list = []
    seen: set[int] = set()
    for obj in objects:
        _values(obj, seen, out)
    return hashlib.blake2b(repr(out).encode(), digest_size=20).hexdigest()


def render_timeline_items(items, *, case, can: dict, reader) -> list[SafeString]:
    """The HTML of each chronology item (``selectors.TimelineItem``, as ``cases.visibility.apply`` left them for
    ``reader``), in order; reused when unchanged and rendered for the same kind of reader."""
    cache = caches[CACHE_ALIAS]
    context_key = (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        sorted(can.items()),
        ("reader", *reader.cache_key),
    )
    keys = [
        "tl:" + fingerprint(context_key, item.template, case, item.entry, "corrected_by", item.corrected_by)
        for item in items
    ]
    found = cache.get_many(keys)
    fresh = {}
    html = []
    for item, key in zip(items, keys, strict=True):
        if key in found:
            html.append(mark_safe(found[key]))  # noqa: S308 - our own rendering of our own template
            continue
        if item.restricted is not None:
            context = {
                "restricted": item.restricted,
                "recorded_at": item.entry.recorded_at,
                "author": getattr(item.entry, "author", None) or getattr(item.entry, "actor", None),
            }
        else:
            context = {"entry": item.entry, "corrected_by": item.corrected_by, "case": case, "can": can}
        rendered = render_to_string(item.template, {**context, "reader": reader})
        fresh[key] = str(rendered)
        html.append(mark_safe(rendered))  # noqa: S308 - as above
    if fresh:
        cache.set_many(fresh)
    return html
