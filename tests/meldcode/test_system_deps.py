"""scripts/ensure-system-deps.sh, which `make run`, `make test` and CI call first: on a fresh Debian-like machine it
installs what is missing (as root) or says the one command to run (anyone else). Checked without apt: the script
runs with DRY_RUN=1, a Chromium path that does not exist, and a fake ldconfig that lists no library at all."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-system-deps.sh"
BASH = shutil.which("bash")
MISSING_CHROMIUM = "/nonexistent/meldcode-test/chromium"


@pytest.fixture
def no_libraries(tmp_path) -> str:
    """An ldconfig whose cache lists nothing: Pango and HarfBuzz-Subset look missing."""
    fake = tmp_path / "ldconfig"
    fake.write_text("#!/bin/sh\necho '0 libs found in cache'\n")
    fake.chmod(0o755)
    return str(fake)


@pytest.fixture
def all_libraries(tmp_path) -> str:
    fake = tmp_path / "ldconfig"
    fake.write_text(
        "#!/bin/sh\ncat <<'EOF'\n"
        "\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpango-1.0.so.0\n"
        "\tlibpangoft2-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpangoft2-1.0.so.0\n"
        "\tlibharfbuzz-subset.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libharfbuzz-subset.so.0\n"
        "EOF\n"
    )
    fake.chmod(0o755)
    return str(fake)


def run(*args: str, uid: int, ldconfig: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ["PATH"],
        "DRY_RUN": "1",
        "SYSTEM_DEPS_UID": str(uid),
        "SYSTEM_DEPS_DEFAULT_CHROMIUM": MISSING_CHROMIUM,
        "LDCONFIG": ldconfig,
        "PYTHON": sys.executable,
        **env,
    }
    return subprocess.run(
        [BASH, str(SCRIPT), *args], env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def test_the_script_is_valid_bash():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], check=False).returncode == 0


def test_as_root_everything_missing_is_installed_with_apt(no_libraries):
    result = run("--browser", uid=0, ldconfig=no_libraries)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "DRY_RUN: would run: apt-get update && "
        "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium"
    )
    assert MISSING_CHROMIUM in result.stderr  # says what is missing, and why


def test_as_root_only_chromium_when_only_chromium_is_missing(all_libraries):
    result = run("--browser", uid=0, ldconfig=all_libraries)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DRY_RUN: would run: apt-get update && apt-get install -y chromium"


def test_without_browser_chromium_is_not_asked_for(all_libraries):
    """`make run` needs no Chromium."""
    result = run(uid=0, ldconfig=all_libraries)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_nothing_to_do_when_everything_is_there(all_libraries, tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    result = run("--browser", uid=1000, ldconfig=all_libraries, SYSTEM_DEPS_DEFAULT_CHROMIUM=str(chromium))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_not_root_one_message_with_the_exact_command_and_failure(no_libraries):
    result = run("--browser", uid=1000, ldconfig=no_libraries)
    assert result.returncode == 1
    assert "DRY_RUN" not in result.stdout
    command = (
        "sudo apt-get update && sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium"
    )
    assert [line.strip() for line in result.stderr.splitlines()].count(command) == 1


def test_a_chromium_given_by_the_user_that_does_not_exist_is_named(all_libraries):
    result = run("--browser", uid=0, ldconfig=all_libraries, CHROMIUM="/nonexistent/my-chromium")
    assert result.returncode == 1
    assert "CHROMIUM=/nonexistent/my-chromium is not an executable file" in result.stderr
    assert "apt-get" not in result.stdout


def test_no_python_of_312_or_newer_asks_for_python3(all_libraries, tmp_path):
    """PYTHON empty (the Makefile found none) and a PATH without any python: Debian's python3 and its venv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("grep", "id", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = run(uid=0, ldconfig=all_libraries, PYTHON="", PATH=str(bin_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DRY_RUN: would run: apt-get update && apt-get install -y python3 python3-venv"


def test_the_makefile_and_ci_call_the_script():
    root = SCRIPT.parents[1]
    makefile = (root / "Makefile").read_text()
    assert "scripts/ensure-system-deps.sh" in makefile
    assert "test: SYSTEM_DEPS_ARGS = --browser" in makefile
    assert "run: system-deps" in makefile
    ci = (root / ".ci" / "run").read_text()
    assert "bash scripts/ensure-system-deps.sh --browser" in ci
    assert "apt-get install" not in ci  # one place only
