#!/usr/bin/env bash
# Installs the real peers the tests talk to, if missing. Idempotent; needs root (CI runs as root).
# The table is tests/MailCloud.Testing/peers.txt, the one the tests' Peers helper reads when it
# installs a missing peer on first use; both look on PATH and in the sbin directories.
set -euo pipefail
table="$(dirname "$0")/../tests/MailCloud.Testing/peers.txt"
need=()
while read -r executable package; do
  case "$executable" in ''|'#'*) continue ;; esac
  command -v "$executable" >/dev/null || [ -x "/usr/local/sbin/$executable" ] || [ -x "/usr/sbin/$executable" ] || [ -x "/sbin/$executable" ] \
    || need+=("$package")
done < "$table"
if [ ${#need[@]} -gt 0 ]; then
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string mailcloud-test.invalid" | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends --no-upgrade "${need[@]}" >/dev/null
fi
