"""Strict parsing of configuration from environment variables.

Every helper names the variable in its error, so a wrong or missing setting stops start-up with a message
that says what to fix. Secrets may also come from a file: ``NAME_FILE=/run/secrets/name``.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_MISSING = object()


def _raw(name: str, environ=None) -> str | None:
    environ = os.environ if environ is None else environ
    file_name = environ.get(f"{name}_FILE")
    if file_name:
        if name in environ:
            raise ImproperlyConfigured(f"{name} and {name}_FILE are both set; set only one.")
        try:
            with open(file_name, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r} ({exc.strerror}).") from exc
    return environ.get(name)


def env_str(name: str, default=_MISSING, *, environ=None) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool, *, environ=None) -> bool:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"The environment variable {name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, environ=None) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"The environment variable {name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"The environment variable {name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str], *, environ=None) -> list[str]:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_dates(name: str, *, environ=None) -> list:
    """A comma-separated list of ISO dates (``2027-05-06,2028-12-24``); empty when not set."""
    import datetime

    dates = []
    for item in env_list(name, [], environ=environ):
        try:
            dates.append(datetime.date.fromisoformat(item))
        except ValueError:
            raise ImproperlyConfigured(
                f"The environment variable {name} must list dates as YYYY-MM-DD, separated by commas; {item!r} is not."
            ) from None
    return dates


def env_base_url(name: str, default: str, *, environ=None) -> str:
    """An absolute http(s) address without query or fragment, returned without a trailing slash."""
    from urllib.parse import urlsplit

    value = _raw(name, environ)
    if value is None or value.strip() == "":
        if not default:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        value = default
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or " " in value:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be an address such as https://meldcode.example.nl, not {value!r}."
        )
    return value.rstrip("/")
