#!/usr/bin/env bash
# SMTP acceptance, side by side: Postfix and the MailCloud gateway (on Azurite), driven by
# Postfix's smtp-source in the same run. Prints messages/second for each and the ratio, and the
# gateway's peak RSS with a 30 MB message in flight. Run by hand, not in CI; needs root for
# Postfix. Machines here are noisy: compare ratios, not absolute figures.
#
#   bash bench/smtp/run.sh                 # 20 sessions, 10,000 messages of 4 KB and of 100 KB
#   SESSIONS=10 MESSAGES=2000 bash bench/smtp/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-10000}
ARTIFACTS=${ARTIFACTS:-/tmp/art-smtp-bench}
WORK=$(mktemp -d /tmp/mailcloud-bench-smtp.XXXXXX)
AZURITE_PID=""
GATEWAY_PID=""

# shellcheck source=../lib.sh
source "$ROOT/bench/lib.sh"

cleanup() {
  [ -f "$WORK/postfix/main.cf" ] && postfix -c "$WORK/postfix" stop >/dev/null 2>&1 || true
  [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null || true
  [ -n "$AZURITE_PID" ] && kill "$AZURITE_PID" 2>/dev/null && wait "$AZURITE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- peers ---------------------------------------------------------------------------------
if ! command -v smtp-source >/dev/null && [ ! -x /usr/sbin/smtp-source ]; then
  bash "$ROOT/.ci/install-peers.sh"
fi
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)

# --- Postfix: a private instance on a high port, accepting for example.test and discarding
# after the queue (so it pays for durable acceptance, as the gateway does) -----------------------
start_postfix discard:benchmark

# --- Azurite (in memory, free ports) ----------------------------------------------------------
start_azurite

# --- the gateway: `mailcloud gateway`, MX listener only, Release build --------------------------
build_mailcloud
GATEWAY_PORT=$(free_port)
export Logging__LogLevel__Default=Warning
# The load generators connect from loopback like everyone here: the MX greets at once, and its
# per-client rates are off (they are for abuse, not for a benchmark from one address).
export Smtp__GreetingDelay=00:00:00 Smtp__ClientConnectionsPerMinute=0 Smtp__ClientMessagesPerMinute=0 Smtp__ClientRecipientsPerMinute=0
export Gateway__HostName=mx.bench.test Gateway__HealthPort=0
export Gateway__Listeners__0__Name=mx Gateway__Listeners__0__Protocol=Smtp Gateway__Listeners__0__SmtpRole=Mx
export Gateway__Listeners__0__Address=127.0.0.1 Gateway__Listeners__0__Port="$GATEWAY_PORT"
export Gateway__Listeners__0__MaxConnectionsPerClient=1000
"$MAILCLOUD" gateway --ensure-storage >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
wait_for_port "$GATEWAY_PORT"
"$MAILCLOUD" domain add example.test >/dev/null
"$MAILCLOUD" account add bench@example.test >/dev/null

# --- measure ------------------------------------------------------------------------------------
rate() { # port size -> messages/second
  local start end
  start=$(date +%s.%N)
  "$SMTP_SOURCE" -s "$SESSIONS" -m "$MESSAGES" -l "$2" -f sender@remote.test -t bench@example.test "127.0.0.1:$1"
  end=$(date +%s.%N)
  python3 -c "print(f'{$MESSAGES / ($end - $start):.0f}')"
}

printf '%-28s %12s %12s %8s\n' "load ($SESSIONS sessions)" "Postfix" "MailCloud" "ratio"
for size in 4096 102400; do
  postfix_rate=$(rate "$POSTFIX_PORT" "$size")
  gateway_rate=$(rate "$GATEWAY_PORT" "$size")
  ratio=$(python3 -c "print(f'{$gateway_rate / $postfix_rate:.2f}')")
  printf '%-28s %10s/s %10s/s %8s\n' "$MESSAGES x $((size / 1024)) KB" "$postfix_rate" "$gateway_rate" "$ratio"
done

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$GATEWAY_PID/status"; }
before=$(rss_kb)
"$SMTP_SOURCE" -s 1 -m 1 -l $((30 * 1024 * 1024)) -f sender@remote.test -t bench@example.test "127.0.0.1:$GATEWAY_PORT" &
SENDER_PID=$!
peak=$before
while kill -0 "$SENDER_PID" 2>/dev/null; do
  now=$(rss_kb)
  [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.05
done
wait "$SENDER_PID"
echo "gateway RSS with a 30 MB message in flight: peak ${peak} kB (${before} kB before it)"
