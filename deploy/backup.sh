#!/usr/bin/env bash
# Meldcode's backup: one pg_dump of the application's database (everything: the cases, their chronology, the
# audit trail, the stored parent extracts (PDFs live in the database), the task queue). Run nightly by
# meldcode-backup.timer; see deploy/README.md ("Backup") for where the dumps go and how long they are kept.
#
#   deploy/backup.sh [DIRECTORY]
#
# DATABASE_URL     the database, as the application reads it (postgres://user:password@host:port/name)
# BACKUP_DIR       where the dumps go (default: the first argument, else /var/backups/meldcode)
# BACKUP_GPG_RECIPIENT  when set, the dump is encrypted to this GnuPG key (public key only on this machine) and only
#                  the encrypted file is kept: meldcode-<time>.dump.gpg
# BACKUP_KEEP_DAYS dumps older than this are deleted after a successful dump (default 35; 0 keeps everything)
#
# The dump is pg_dump's custom format (compressed; restore with deploy/restore.sh), without owners and privileges,
# so that it restores into a database owned by any role. A dump is written under a temporary name and renamed when
# complete, so a broken run never leaves a file that looks like a backup.
set -euo pipefail
umask 077

: "${DATABASE_URL:?DATABASE_URL is needed (the environment file of the application, e.g. /etc/meldcode/meldcode.env)}"
dir="${1:-${BACKUP_DIR:-/var/backups/meldcode}}"
keep_days="${BACKUP_KEEP_DAYS:-35}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "backup.sh: DATABASE_URL is not a PostgreSQL URL; only PostgreSQL is backed up this way." >&2; exit 2 ;;
esac

mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="meldcode-$stamp.dump"
partial="$dir/.$name.partial"
trap 'rm -f "$partial" "$partial.gpg"' EXIT

pg_dump --format=custom --compress=6 --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$partial"
# A dump that pg_restore cannot read is no backup.
pg_restore --list "$partial" >/dev/null

if [ -n "${BACKUP_GPG_RECIPIENT:-}" ]; then
  gpg --batch --yes --trust-model always --recipient "$BACKUP_GPG_RECIPIENT" --output "$partial.gpg" \
    --encrypt "$partial"
  rm -f "$partial"
  mv "$partial.gpg" "$dir/$name.gpg"
  written="$dir/$name.gpg"
else
  mv "$partial" "$dir/$name"
  written="$dir/$name"
fi
echo "backup written: $written ($(du -h "$written" | cut -f1))"

if [ "$keep_days" != 0 ]; then
  find "$dir" -maxdepth 1 -type f \( -name 'meldcode-*.dump' -o -name 'meldcode-*.dump.gpg' \) \
    -mtime +"$keep_days" -print -delete | sed 's/^/deleted old backup: /'
fi
