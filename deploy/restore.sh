#!/usr/bin/env bash
# Restore a dump made by deploy/backup.sh into an EMPTY PostgreSQL database. See deploy/README.md ("Restore").
#
#   deploy/restore.sh DUMP TARGET_DATABASE_URL
#
# DUMP                 meldcode-<time>.dump, or meldcode-<time>.dump.gpg (decrypted with gpg: the private key must be
#                      available, e.g. on the machine that restores, never on the one that makes the backups)
# TARGET_DATABASE_URL  postgres://user:password@host:port/name of a database that exists and is empty
#                      (createdb -O meldcode meldcode_restored); the application's role should own it
#
# The restore is one transaction (all or nothing) and stops at the first error. Afterwards: point DATABASE_URL at
# the database, run `manage.py migrate` (a dump from an older release) and `manage.py check`, start the units.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 DUMP TARGET_DATABASE_URL" >&2
  exit 2
fi
dump="$1"
target="$2"
[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 2; }

tables=$(psql --dbname="$target" --no-psqlrc --tuples-only --no-align --quiet \
  --command="select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore.sh: the target database has $tables tables already; restore only into an empty database." >&2
  exit 1
fi

restore() {
  pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$@"
}
case "$dump" in
  *.gpg) gpg --batch --quiet --decrypt "$dump" | restore ;;
  *) restore "$dump" ;;
esac
psql --dbname="$target" --no-psqlrc --quiet --command="analyze" >/dev/null
echo "restored $dump into $(psql --dbname="$target" --no-psqlrc -tAc 'select current_database()')"
