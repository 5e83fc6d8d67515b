"""One row of any model, its fields filled from their types: for tests that must cover every model of a group
(every append-only model, every kind of chronology record) and pick up a new one without a hand-written factory.

``make_row(Model, given={Case: case, User: user, ...})``: a foreign key to a model in ``given`` takes that object; a
required foreign key to another model gets a row of its own, made the same way (a help-plan task gets a help plan);
an optional one stays empty. Every other field gets a value: the first (``variant=0``) or last (``variant=1``)
choice, a text that names the model and the field (``marker``), a date in the past, True (``variant=0``) or False.
Fields that the database fills (the primary key, ``recorded_at``) keep their defaults. ``OVERRIDES`` holds what a
model's check constraints need beyond that.

Rows are created directly, as the large-board generator does (append-only models may be inserted); the services'
rules are not applied, which is the point: every field has a value, so a template or an extract that shows a field
it should not is caught.
"""

import datetime

from django.db import models
from django.utils import timezone

from cases.models import ChainLink, HelpTask, Signal, TaskDone
from dossier.models import ExtractRelease, Redaction


def marker(model, field_name: str) -> str:
    """The text a row of ``model`` holds in ``field_name``: unique over models and fields, easy to find."""
    return f"«{model.__name__}.{field_name}»"


# A model's check constraints that a row filled field by field would break.
OVERRIDES = {
    # exactly one of the two tasks is done
    TaskDone: lambda make: {"help_task": make(HelpTask)},
    # a third party as the source needs their consent
    Signal: lambda make: {"source_consent": True},
    # words within a text (its field filled): they end after they start
    Redaction: lambda make: {"start": 2, "end": 9},
    # a position after the case's own links (its records were linked when they were stored)
    ChainLink: lambda make: {"seq": 10_000},
    # the chain head it printed is checked against the case's chain (``cases.chain``): none printed
    ExtractRelease: lambda make: {"chain_seq": None, "chain_head": ""},
}


def _value(model, field, variant: int):
    if field.choices:
        values = [value for value, _label in field.flatchoices if value not in ("", None)]
        return values[0] if variant == 0 else values[-1]
    if isinstance(field, models.BooleanField):
        return variant == 0
    if isinstance(field, models.GenericIPAddressField):
        return "192.0.2.1"
    if isinstance(field, (models.CharField, models.TextField)):
        text = marker(model, field.name)
        return text[: field.max_length] if field.max_length else text
    if isinstance(field, models.DateTimeField):
        return timezone.now() - datetime.timedelta(hours=1)
    if isinstance(field, models.DateField):
        return timezone.localdate() - datetime.timedelta(days=2)
    if isinstance(field, models.TimeField):
        return datetime.time(10, 30)
    if isinstance(field, models.IntegerField):
        return 2
    if isinstance(field, models.JSONField):
        return field.get_default()
    if isinstance(field, models.BinaryField):
        return marker(model, field.name).encode()
    raise NotImplementedError(f"tests.rows cannot fill {model.__name__}.{field.name} ({type(field).__name__})")


def make_row(model, *, given: dict, variant: int = 0, **values):
    """A saved row of ``model``; ``values`` set fields by name."""

    def make(related_model):
        return make_row(related_model, given=given, variant=variant)

    values = {**OVERRIDES.get(model, lambda make: {})(make), **values}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in values:
            continue
        if field.is_relation:
            target = field.related_model
            if target in given:
                values[field.name] = given[target]
            elif not field.null:
                values[field.name] = make(target)
            continue
        if not field.editable and field.has_default():
            continue
        values[field.name] = _value(model, field, variant)
    return model.objects.create(**values)
