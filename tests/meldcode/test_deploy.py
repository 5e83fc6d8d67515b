"""The deployment files (deploy/): they name every setting the application reads, the commands their units run
exist, the scripts are valid shell, and nginx logs no query strings and sets the headers the settings trust."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASH = shutil.which("bash")


def settings_variables() -> set[str]:
    source = (ROOT / "meldcode" / "settings.py").read_text()
    return set(re.findall(r"env_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))


def test_the_environment_template_names_every_variable_the_settings_read():
    template = (DEPLOY / "meldcode.env.example").read_text()
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", template, flags=re.MULTILINE))
    variables = settings_variables()
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXY_COUNT", "MELDCODE_BASE_URL"} <= variables
    assert variables - named == set()


def test_the_environment_template_reads_the_same_in_bash_as_in_systemd():
    """systemd's EnvironmentFile= and `set -a; . file` (the README's way to run a command by hand) must agree."""
    template = DEPLOY / "meldcode.env.example"
    systemd_values = {}
    for line in template.read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            systemd_values[name] = value[1:-1] if value[:1] == value[-1:] == '"' else value
    names = " ".join(systemd_values)
    script = f'set -a; . {template}; set +a; for n in {names}; do printf "%s=%s\\n" "$n" "${{!n}}"; done'
    printed = subprocess.run([BASH, "-c", script], capture_output=True, text=True, check=True, env={}).stdout
    assert dict(line.split("=", 1) for line in printed.splitlines()) == systemd_values


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_scripts_are_valid_bash_and_executable(script):
    path = DEPLOY / script
    assert subprocess.run([BASH, "-n", str(path)], check=False).returncode == 0
    assert path.stat().st_mode & 0o111


def unit_commands() -> dict[str, list[str]]:
    commands = {}
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text().replace("\\\n", " ")
        commands[unit.name] = re.findall(r"^ExecStart=(.+)$", text, flags=re.MULTILINE)
    return commands


def test_every_service_runs_a_command_that_exists():
    known = get_commands()
    for unit, lines in unit_commands().items():
        assert lines, unit
        for line in lines:
            words = line.split()
            if "manage.py" in words:
                command = words[words.index("manage.py") + 1]
                if command == "crontask" and command not in known:
                    continue  # django-crontask's scheduler: installed with the periodic tasks
                assert command in known, (unit, command)
            elif words[0].endswith("gunicorn"):
                assert "meldcode.wsgi" in words and "gunicorn.conf.py" in words
            else:
                assert words[0] == "/srv/meldcode/deploy/backup.sh", (unit, line)
    assert set(unit_commands()) == {
        "meldcode-web.service",
        "meldcode-worker.service",
        "meldcode-scheduler.service",
        "meldcode-backup.service",
        "meldcode-prune.service",
    }
    for timer in ("meldcode-backup.timer", "meldcode-prune.timer"):
        assert "OnCalendar=" in (DEPLOY / "systemd" / timer).read_text()


def test_nginx_logs_no_query_string_and_sets_the_trusted_headers():
    conf = (DEPLOY / "nginx" / "meldcode.conf").read_text()
    log_format = re.search(r"log_format meldcode (.+?);", conf, flags=re.DOTALL).group(1)
    assert "$uri" in log_format
    for leaking in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "$http_referer"):
        assert leaking not in log_format
    assert "access_log /var/log/nginx/meldcode.access.log meldcode;" in conf
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf  # BEHIND_TLS_PROXY
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf  # TRUSTED_PROXY_COUNT=1
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert "client_max_body_size" in conf


def test_the_environment_template_passes_the_deployment_check():
    """The template, with a secret key filled in, is a production configuration `check --deploy` finds clean."""
    template = DEPLOY / "meldcode.env.example"
    script = (
        f"set -a; . {template}; SECRET_KEY=$(head -c 60 /dev/urandom | base64 | tr -d '/+=\\n'); set +a; "
        f"exec {sys.executable} manage.py check --deploy --fail-level WARNING"
    )
    result = subprocess.run(
        [BASH, "-c", script],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "no issues" in result.stdout
