"""Settings are read from the environment, strictly: a bad value stops start-up and names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from meldcode.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "p" * 10 + "roduction-like-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "meldcode.example.invalid",
    "MELDCODE_BASE_URL": "https://meldcode.example.invalid",
}


def run_manage(*args, env_overrides: dict[str, str]):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("value,expected", [("true", True), ("False", False), ("1", True), ("off", False)])
def test_env_bool_accepts_true_and_false(value, expected):
    assert env_bool("X", False, environ={"X": value}) is expected


@pytest.mark.parametrize("value", ["ja", "tru", "2", "enabled"])
def test_env_bool_refuses_anything_else_and_names_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        env_bool("DEBUG", False, environ={"DEBUG": value})


def test_env_int_refuses_words_and_too_small_numbers():
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_MINUTES"):
        env_int("SESSION_IDLE_MINUTES", 30, environ={"SESSION_IDLE_MINUTES": "dertig"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("SESSION_IDLE_MINUTES", 30, minimum=1, environ={"SESSION_IDLE_MINUTES": "0"})
    assert env_int("SESSION_IDLE_MINUTES", 30, environ={}) == 30


def test_env_str_required_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env_str("SECRET_KEY", environ={})


def test_env_secret_from_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    assert env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}) == "from-a-file"
    with pytest.raises(ImproperlyConfigured, match="both set"):
        env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret), "SECRET_KEY": "x"})


def test_env_list_splits_on_commas():
    assert env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a.nl, b.nl,"}) == ["a.nl", "b.nl"]


def test_bad_boolean_stops_start_up_with_the_variable_name():
    result = run_manage("check", env_overrides={"DEBUG": "misschien"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr and "misschien" in result.stderr


def test_missing_secret_key_stops_start_up_when_debug_is_off():
    result = run_manage("check", env_overrides={"DEBUG": "false", "ALLOWED_HOSTS": "x.invalid"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_short_secret_key_is_refused():
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, "SECRET_KEY": "kort"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_bad_database_url_names_the_variable():
    result = run_manage("check", env_overrides={"DEBUG": "true", "DATABASE_URL": "nosuchdb://x"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_like_environment_passes_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_defaults_are_dutch_amsterdam_and_secure(settings):
    from meldcode import settings as module

    assert module.LANGUAGE_CODE == "nl"
    assert [code for code, _ in module.LANGUAGES] == ["nl", "en"]
    assert module.TIME_ZONE == "Europe/Amsterdam"
    assert module.USE_TZ is True
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in module.MIDDLEWARE
    assert "'unsafe-inline'" not in str(module.SECURE_CSP)
