#!/usr/bin/env bash
# The system packages Meldcode needs on a Debian-like machine, checked (and installed when run as root) before
# `make run`, `make test` and CI. Python packages are not this script's business: the Makefile installs them.
#
#   scripts/ensure-system-deps.sh [--browser]
#
#   --browser   also Chromium, for the browser tests (`make test`); `$CHROMIUM` names another binary
#
# Checks: a Python of 3.12 or newer with venv/ensurepip (`$PYTHON`, as the Makefile found it); Pango (WeasyPrint
# renders the parent extract with it); HarfBuzz-Subset (WeasyPrint's font subsetting: without it every render is
# about a quarter slower and logs a warning per font); with --browser, Chromium.
# What is missing is installed with apt-get when the user is root; anyone else gets one message with the exact
# command, and the script fails. DRY_RUN=1 prints what would be run instead of running it (tests use it).
# LDCONFIG (default: ldconfig), SYSTEM_DEPS_UID (default: `id -u`) and SYSTEM_DEPS_DEFAULT_CHROMIUM (default:
# /usr/bin/chromium) exist for the tests, which check the logic without apt on a machine that has everything.
set -euo pipefail

browser=false
for arg in "$@"; do
  case "$arg" in
    --browser) browser=true ;;
    *) echo "ensure-system-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

default_chromium="${SYSTEM_DEPS_DEFAULT_CHROMIUM:-/usr/bin/chromium}"  # where Debian's package puts it
chromium="${CHROMIUM:-$default_chromium}"
ldconfig_cmd="${LDCONFIG:-}"
if [ -z "$ldconfig_cmd" ]; then
  ldconfig_cmd=$(command -v ldconfig || true)
  [ -n "$ldconfig_cmd" ] || ldconfig_cmd=/sbin/ldconfig
fi
uid="${SYSTEM_DEPS_UID:-$(id -u)}"

libraries=$("$ldconfig_cmd" -p 2>/dev/null || true)
has_library() { grep -q "$1" <<<"$libraries"; }

packages=()
reasons=()

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      python=$(command -v "$candidate")
      break
    fi
  done
fi
if [ -z "$python" ]; then
  packages+=(python3 python3-venv)
  reasons+=("Python 3.12 or newer (Debian 13 has 3.13; on an older release: pyenv install 3.13)")
elif ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
  reasons+=("Python's venv module (ensurepip) for $python")
fi

if ! has_library 'libpango-1\.0\.so' || ! has_library 'libpangoft2-1\.0\.so'; then
  packages+=(libpango-1.0-0 libpangoft2-1.0-0)
  reasons+=("Pango, which WeasyPrint renders the parent extract with")
fi
if ! has_library 'libharfbuzz-subset\.so'; then
  packages+=(libharfbuzz-subset0)
  reasons+=("HarfBuzz-Subset, WeasyPrint's font subsetting")
fi
if $browser && [ ! -x "$chromium" ]; then
  if [ "$chromium" != "$default_chromium" ]; then
    echo "CHROMIUM=$chromium is not an executable file. Unset CHROMIUM to use Debian's $default_chromium." >&2
    exit 1
  fi
  packages+=(chromium)
  reasons+=("Chromium, for the browser tests ($chromium)")
fi

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

command_line="apt-get install -y ${packages[*]}"
echo "Missing system packages:" >&2
printf '  - %s\n' "${reasons[@]}" >&2

if [ "$uid" != 0 ]; then
  echo >&2
  echo "Install them once, then run make again:" >&2
  echo >&2
  echo "    sudo apt-get update && sudo $command_line" >&2
  echo >&2
  exit 1
fi

if [ "${DRY_RUN:-}" = 1 ]; then
  echo "DRY_RUN: would run: apt-get update && $command_line"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "No apt-get on this machine: install the equivalent of these Debian packages by hand: ${packages[*]}" >&2
  exit 1
fi
echo "Installing: ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || true
apt-get install -y -qq "${packages[@]}" >/dev/null
