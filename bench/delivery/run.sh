#!/usr/bin/env bash
# Delivery end to end, side by side in one run: Postfix → LMTP → Dovecot, and `mailcloud dev`
# (Release: gateway, pipeline and Azurite in one command). Postfix's smtp-source sends the same
# load to both; the time runs from the first SMTP byte until every message is visible over IMAP
# (STATUS INBOX on each mailbox, at most 8 sessions at a time). Four loads: 4 KB and 100 KB
# messages, to one mailbox and spread over 50. Prints messages/second for each and the ratio.
# Run by hand as root, not in CI;
# loopback only; stops what it started, by PID.
#
#   bash bench/delivery/run.sh                       # 2,000 messages per load, 10 sessions
#   MESSAGES=500 SESSIONS=10 bash bench/delivery/run.sh
set -euo pipefail
shopt -s inherit_errexit  # a failed load inside $(measure ...) stops the run

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-10}
SPREAD=50
ARTIFACTS=${ARTIFACTS:-/tmp/art-bench-delivery}
WORK=$(mktemp -d /tmp/mailcloud-bench-delivery.XXXXXX)
PASSWORD="bench-$RANDOM$RANDOM"
DOVECOT_PID=""
DEV_PID=""

# shellcheck source=../lib.sh
source "$ROOT/bench/lib.sh"

cleanup() {
  [ -f "$WORK/postfix/main.cf" ] && postfix -c "$WORK/postfix" stop >/dev/null 2>&1 || true
  stop_pid "$DEV_PID"
  stop_pid "$DOVECOT_PID"
  if [ -n "${KEEP_WORK:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "run as root (Postfix and Dovecot's master)" >&2; exit 1; }
for port in 2525 2143; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (a running mailcloud dev?): stop it first" >&2; exit 1
  fi
done

# --- peers ---------------------------------------------------------------------------------
command -v smtp-source >/dev/null || [ -x /usr/sbin/smtp-source ] || bash "$ROOT/.ci/install-peers.sh"
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
if ! command -v dovecot >/dev/null || [ ! -e /usr/lib/dovecot/lmtp ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd dovecot-lmtpd >/dev/null
fi

# The mailboxes: per load, one ("<load>u1") or SPREAD of them ("<load>u1".."<load>u50").
loads=("4096 1" "4096 $SPREAD" "102400 1" "102400 $SPREAD")
users_of() { # load-index mailbox-count
  for n in $(seq 1 "$2"); do echo "l${1}u${n}@example.test"; done
}
all_users=()
for i in "${!loads[@]}"; do
  read -r _ count <<<"${loads[$i]}"
  mapfile -t -O "${#all_users[@]}" all_users < <(users_of "$i" "$count")
done

# --- Dovecot: IMAP and LMTP on free loopback ports, Maildir under $WORK ---------------------
MAIL_UID=$(id -u nobody); MAIL_GID=$(id -g nobody)
chmod 755 "$WORK"
mkdir -p "$WORK/dovecot-home" "$WORK/dovecot-run/state"
: > "$WORK/dovecot-users"
for user in "${all_users[@]}"; do
  echo "$user:{PLAIN}$PASSWORD:$MAIL_UID:$MAIL_GID::$WORK/dovecot-home/$user::" >> "$WORK/dovecot-users"
done
chown -R "$MAIL_UID:$MAIL_GID" "$WORK/dovecot-home"
chmod 644 "$WORK/dovecot-users"
DOVECOT_IMAP=$(free_port); DOVECOT_LMTP=$(free_port)
cat > "$WORK/dovecot.conf" <<CONF
protocols = imap lmtp
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
    port = $DOVECOT_IMAP
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
  service_count = 0
  process_min_avail = 2
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $DOVECOT_LMTP
  }
  unix_listener lmtp {
    mode = 0
  }
}
service anvil {
  chroot =
}
CONF
dovecot -c "$WORK/dovecot.conf" -F >"$WORK/dovecot.stdout" 2>&1 &
DOVECOT_PID=$!
wait_for_port "$DOVECOT_IMAP" || { cat "$WORK/dovecot.stdout" "$WORK/dovecot.log" >&2; exit 1; }
wait_for_port "$DOVECOT_LMTP"

# --- Postfix: a private instance on a high port, relaying example.test to Dovecot's LMTP ------
start_postfix "lmtp:inet:127.0.0.1:$DOVECOT_LMTP"

# --- mailcloud dev (Release), in a scratch "checkout" so its .mailcloud/ state is private ------
build_mailcloud
CLONE="$WORK/clone"
mkdir -p "$CLONE"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$CLONE/"
: > "$CLONE/MailCloud.sln"
ln -s "$ROOT/node_modules" "$CLONE/node_modules"
[ -d "$ROOT/node_modules/azurite" ] || (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# The load generators connect from loopback: the MX greets at once and its per-client rates are off, as
# Postfix's smtpd here has neither (they are for abuse, not for a benchmark from one address).
(cd "$CLONE" && exec env Logging__LogLevel__Default=Warning Smtp__GreetingDelay=00:00:00 Smtp__ClientConnectionsPerMinute=0 \
  Smtp__ClientMessagesPerMinute=0 Smtp__ClientRecipientsPerMinute=0 "$MAILCLOUD" dev --password "$PASSWORD") >"$WORK/dev.log" 2>&1 &
DEV_PID=$!
wait_for_port 2525 || { cat "$WORK/dev.log" >&2; exit 1; }
wait_for_port 2143
echo "creating ${#all_users[@]} accounts in mailcloud dev ..." >&2
for user in "${all_users[@]}"; do
  (cd "$CLONE" && "$MAILCLOUD" account add "$user" --password "$PASSWORD" --quota 10GB >/dev/null)
done

# --- measure ----------------------------------------------------------------------------------
send() { # smtp-port size load-index mailbox-count: SESSIONS sessions in all, MESSAGES messages
  local port=$1 size=$2 index=$3 count=$4
  if [ "$count" = 1 ]; then
    "$SMTP_SOURCE" -s "$SESSIONS" -m "$MESSAGES" -l "$size" -f sender@remote.test -t "l${index}u1@example.test" "127.0.0.1:$port"
    return
  fi
  # smtp-source sends to one address: run one per mailbox, SESSIONS of them at a time in all.
  local per=$((MESSAGES / count)) pids=() n
  for n in $(seq 1 "$count"); do
    "$SMTP_SOURCE" -s 1 -m "$per" -l "$size" -f sender@remote.test -t "l${index}u${n}@example.test" "127.0.0.1:$port" &
    pids+=($!)
    if [ "${#pids[@]}" -ge "$SESSIONS" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
  wait "${pids[@]}"
}

measure() { # smtp-port imap-port size load-index mailbox-count -> messages/second
  local smtp=$1 imap=$2 size=$3 index=$4 count=$5 start done_at users
  mapfile -t users < <(users_of "$index" "$count")
  start=$(python3 -c 'import time; print(f"{time.time():.3f}")')
  send "$smtp" "$size" "$index" "$count"
  done_at=$(python3 "$HERE/visible.py" "$imap" "$PASSWORD" $((MESSAGES / count)) "${users[@]}")
  python3 -c "print(f'{$MESSAGES / ($done_at - $start):.0f}')"
}

printf '%-36s %12s %12s %8s\n' "load ($SESSIONS sessions)" "Postfix+Dovecot" "MailCloud" "ratio"
for i in "${!loads[@]}"; do
  read -r size count <<<"${loads[$i]}"
  reference=$(measure "$POSTFIX_PORT" "$DOVECOT_IMAP" "$size" "$i" "$count")
  ours=$(measure 2525 2143 "$size" "$i" "$count")
  ratio=$(python3 -c "print(f'{$ours / $reference:.2f}')")
  printf '%-36s %13s/s %10s/s %8s\n' "$MESSAGES x $((size / 1024)) KB to $count mailbox(es)" "$reference" "$ours" "$ratio"
done
