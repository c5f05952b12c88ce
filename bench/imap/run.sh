#!/usr/bin/env bash
# IMAP, side by side in one run: Dovecot 2.3 (apt's dovecot-imapd, a private instance on a free
# loopback port) and the MailCloud gateway (`mailcloud gateway`, one IMAP listener on a free
# loopback port, on an in-memory Azurite). The same 1,000 deterministic messages in both, the
# same client load (bench/imap/imap_bench.py), one table with the ratio MailCloud/Dovecot.
# Run by hand as root, not in CI. Loopback only; stops what it started, by PID.
#
#   bash bench/imap/run.sh                         # the full run (~5 minutes on 2 cores)
#   MESSAGES=200 bash bench/imap/run.sh --idle 100 --seconds 10   # a quick one
#   MESSAGES=200 bash bench/imap/run.sh --only mixed --mixed-seconds 10  # only the mixed phase
#   (arguments go to `imap_bench.py run`: --clients --logins --flag-fetches --body-fetches
#    --searches --seconds --mixed-commands --mixed-seconds --idle --idle-seconds --only --json)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MESSAGES=${MESSAGES:-1000}
ARTIFACTS=${ARTIFACTS:-/tmp/art-benchimap}
WORK=$(mktemp -d /tmp/mailcloud-bench-imap.XXXXXX)
PASSWORD="bench-$RANDOM$RANDOM"
USER_NAME=bench@example.test
DOVECOT_PID=""
AZURITE_PID=""
GATEWAY_PID=""

# shellcheck source=../lib.sh
source "$ROOT/bench/lib.sh"

cleanup() {
  stop_pid "$GATEWAY_PID"
  stop_pid "$AZURITE_PID"
  stop_pid "$DOVECOT_PID"   # the master takes its imap, imap-login, auth, ... children with it
  if [ -n "${KEEP_WORK:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "run as root (Dovecot's master must be root to switch to the mail user)" >&2; exit 1; }
# 1,000 idle connections: a socket each in the client, the server, and Dovecot's processes.
ulimit -n "$(ulimit -Hn)"

# --- Dovecot: private config, passwd-file, Maildir under $WORK, no other services ------------
command -v dovecot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }
MAIL_UID=$(id -u nobody); MAIL_GID=$(id -g nobody)
chmod 755 "$WORK"
mkdir -p "$WORK/dovecot-home" "$WORK/dovecot-run"
echo "writing $MESSAGES messages as a Maildir for Dovecot ..." >&2
python3 "$HERE/imap_bench.py" maildir "$WORK/dovecot-home/Maildir" --messages "$MESSAGES"
chown -R "$MAIL_UID:$MAIL_GID" "$WORK/dovecot-home"
echo "$USER_NAME:{PLAIN}$PASSWORD:$MAIL_UID:$MAIL_GID::$WORK/dovecot-home::" > "$WORK/dovecot-users"
chmod 644 "$WORK/dovecot-users"
DOVECOT_PORT=$(free_port)
cat > "$WORK/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $WORK/dovecot-run
state_dir = $WORK/dovecot-run/state
log_path = $WORK/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
mail_max_userip_connections = 5000
default_process_limit = 5000
default_client_limit = 12000
default_internal_user = nobody
default_login_user = nobody
passdb {
  driver = passwd-file
  args = scheme=PLAIN $WORK/dovecot-users
}
userdb {
  driver = passwd-file
  args = $WORK/dovecot-users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
  # Dovecot's documented high-performance login mode: long-lived imap-login processes
  # (the default, service_count = 1, forks one per connection: ~15 logins/s here).
  service_count = 0
  process_min_avail = 2
  vsz_limit = 1G
}
service imap {
  # Reuse imap processes across sessions instead of a fork+exec per login; still one process
  # per logged-in connection. Idle spare processes exit after a second, so they are not
  # counted as memory of the IDLE connections.
  service_count = 100
  idle_kill = 1 secs
  process_limit = 5000
}
service anvil {
  chroot =
}
CONF
mkdir -p "$WORK/dovecot-run/state"
dovecot -c "$WORK/dovecot.conf" -F >"$WORK/dovecot.stdout" 2>&1 &
DOVECOT_PID=$!
wait_for_port "$DOVECOT_PORT" || { cat "$WORK/dovecot.stdout" "$WORK/dovecot.log" >&2; exit 1; }

# --- Azurite (in memory, free ports) -----------------------------------------------------------
start_azurite

# --- the gateway: `mailcloud gateway`, one plain IMAP listener, Release build --------------------
build_mailcloud
GATEWAY_PORT=$(free_port)
export Logging__LogLevel__Default=Warning
export Gateway__HostName=imap.bench.test Gateway__HealthPort=0
export Gateway__Listeners__0__Name=imap Gateway__Listeners__0__Protocol=Imap
export Gateway__Listeners__0__Address=127.0.0.1 Gateway__Listeners__0__Port="$GATEWAY_PORT"
export Gateway__Listeners__0__MaxConnections=5000 Gateway__Listeners__0__MaxConnectionsPerClient=5000
export Gateway__Listeners__0__IdleTimeout=00:30:00
"$MAILCLOUD" gateway --ensure-storage >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
wait_for_port "$GATEWAY_PORT" || { cat "$WORK/gateway.log" >&2; exit 1; }
"$MAILCLOUD" domain add example.test >/dev/null
"$MAILCLOUD" account add "$USER_NAME" --password "$PASSWORD" --quota 10GB >/dev/null

# --- measure -----------------------------------------------------------------------------------
echo "Dovecot $(dovecot --version | cut -d' ' -f1) pid $DOVECOT_PID on 127.0.0.1:$DOVECOT_PORT; MailCloud gateway pid $GATEWAY_PID on 127.0.0.1:$GATEWAY_PORT (Azurite pid $AZURITE_PID, not counted in memory)" >&2
python3 "$HERE/imap_bench.py" run \
  "Dovecot=$DOVECOT_PORT:$USER_NAME:$PASSWORD:$DOVECOT_PID" \
  "MailCloud=$GATEWAY_PORT:$USER_NAME:$PASSWORD:$GATEWAY_PID:append" \
  --messages "$MESSAGES" "$@"
