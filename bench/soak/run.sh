#!/usr/bin/env bash
# The soak that kills everything (issue 14): a private Postfix on loopback is the sending MTA, fed
# by generate.py with unique Message-IDs, relaying to `mailcloud gateway` and `mailcloud pipeline`
# as separate processes on a persistent Azurite. While the messages flow, the gateway is killed
# with SIGKILL every ~GATEWAY_EVERY s, the pipeline every ~PIPELINE_EVERY s, and Azurite restarted
# on the same ports and data every ~AZURITE_EVERY s; each is started again at once. When Postfix's
# queue is empty and ours are drained, check.py reads the mailbox over IMAP and both logs and prints
#   sent N, delivered once N, duplicates explained N, duplicates unexplained N, lost N, dead-lettered N
# Exits non-zero on any loss, unexplained duplicate, crash (a process that exited unkilled), or
# timeout. Run as root (Postfix); loopback only; everything it starts is stopped by PID at the end.
#
#   bash bench/soak/run.sh                                    # 10,000 messages
#   MESSAGES=300 RATE=20 GATEWAY_EVERY=4 PIPELINE_EVERY=8 AZURITE_EVERY=12 \
#     GATEWAY_KILLS=1 PIPELINE_KILLS=1 AZURITE_RESTARTS=1 bash bench/soak/run.sh   # CI's short soak
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MESSAGES=${MESSAGES:-10000}
RATE=${RATE:-50}                       # messages a second the generator hands to Postfix, at most
BACKLOG=${BACKLOG:-300}                # and none while Postfix's queue holds this many
GENERATE_FOR=${GENERATE_FOR:-}         # seconds: stop generating early (the check covers what was sent)
GATEWAY_EVERY=${GATEWAY_EVERY:-20}
PIPELINE_EVERY=${PIPELINE_EVERY:-30}
AZURITE_EVERY=${AZURITE_EVERY:-60}
GATEWAY_KILLS=${GATEWAY_KILLS:-1000000}  # at most this many of each
PIPELINE_KILLS=${PIPELINE_KILLS:-1000000}
AZURITE_RESTARTS=${AZURITE_RESTARTS:-1000000}
TIMEOUT=${TIMEOUT:-5400}               # seconds for the whole run, build included
ARTIFACTS=${ARTIFACTS:-/tmp/art-bench-soak}
WORK=$(mktemp -d /tmp/mailcloud-soak.XXXXXX)
RUN_ID="soak$(date +%s)"
PASSWORD="soak-$RANDOM$RANDOM"
DEADLINE=$(( $(date +%s) + TIMEOUT ))
AZURITE_PID="" GATEWAY_PID="" PIPELINE_PID="" DNS_PID="" GENERATOR_PID=""
RESULT=1

# shellcheck source=../lib.sh
source "$ROOT/bench/lib.sh"

cleanup() {
  [ -f "$WORK/postfix/main.cf" ] && postfix -c "$WORK/postfix" stop >/dev/null 2>&1 || true
  for pid in "$GENERATOR_PID" "$GATEWAY_PID" "$PIPELINE_PID" "$DNS_PID" "$AZURITE_PID"; do
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$RESULT" != 0 ] || [ -n "${KEEP_WORK:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

log() { echo "[soak +$(( $(date +%s) - STARTED ))s] $*" >&2; }
STARTED=$(date +%s)
check_deadline() { [ "$(date +%s)" -lt "$DEADLINE" ] || { log "timed out after ${TIMEOUT}s"; exit 1; }; }

[ "$(id -u)" = 0 ] || { echo "run as root (Postfix)" >&2; exit 1; }
command -v postfix >/dev/null || [ -x /usr/sbin/postfix ] || bash "$ROOT/.ci/install-peers.sh"
command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || bash "$ROOT/.ci/install-peers.sh"
[ -d "$ROOT/node_modules/azurite" ] || (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
build_mailcloud

# --- Azurite: persistent under $WORK/azurite, restartable on the same ports -------------------
AZ_BLOB=$(free_port); AZ_QUEUE=$(free_port); AZ_TABLE=$(free_port)
start_azurite_persistent() {
  "$ROOT/node_modules/.bin/azurite" --silent --location "$WORK/azurite" --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --blobPort "$AZ_BLOB" --queueHost 127.0.0.1 --queuePort "$AZ_QUEUE" \
    --tableHost 127.0.0.1 --tablePort "$AZ_TABLE" >>"$WORK/azurite.log" 2>&1 &
  AZURITE_PID=$!
  wait_for_port "$AZ_BLOB"; wait_for_port "$AZ_QUEUE"; wait_for_port "$AZ_TABLE"
}
start_azurite_persistent
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=http://127.0.0.1:$AZ_BLOB/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$AZ_QUEUE/devstoreaccount1;TableEndpoint=http://127.0.0.1:$AZ_TABLE/devstoreaccount1;"

# --- DNS: a loopback dnsmasq that answers NXDOMAIN for .test at once (SPF/DMARC of the senders) --
DNS_PORT=$(free_port)
"$(command -v dnsmasq || echo /usr/sbin/dnsmasq)" --no-daemon --keep-in-foreground --port="$DNS_PORT" \
  --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --pid-file= --user=root \
  --local=/test/ >"$WORK/dnsmasq.log" 2>&1 &
DNS_PID=$!

# --- the two MailCloud processes ------------------------------------------------------------------
GW_SMTP=$(free_port); GW_IMAP=$(free_port)
export Pipeline__SrsSecret="soak-srs-$RANDOM$RANDOM$RANDOM$RANDOM"
# A killed pipeline's messages come back after the visibility timeout: short, so the soak ends soon.
export Pipeline__RunnerVisibilityTimeout=00:00:30 Pipeline__ExceptionRetryDelay=00:00:05 Pipeline__RunnerPollInterval=00:00:00.500
export Dns__Servers__0="127.0.0.1:$DNS_PORT" Relay__DnsServers__0="127.0.0.1:$DNS_PORT"
# The load generators connect from loopback like everyone here: the MX greets at once, and its
# per-client rates are off (they are for abuse, not for a benchmark from one address).
export Smtp__GreetingDelay=00:00:00 Smtp__ClientConnectionsPerMinute=0 Smtp__ClientMessagesPerMinute=0 Smtp__ClientRecipientsPerMinute=0
export Gateway__HostName=mailcloud.soak.test Gateway__HealthPort=0
export Gateway__Listeners__0__Name=mx Gateway__Listeners__0__Protocol=Smtp Gateway__Listeners__0__Address=127.0.0.1 Gateway__Listeners__0__Port="$GW_SMTP"
export Gateway__Listeners__1__Name=imap Gateway__Listeners__1__Protocol=Imap Gateway__Listeners__1__Address=127.0.0.1 Gateway__Listeners__1__Port="$GW_IMAP"
export Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true \
  Logging__Console__FormatterOptions__TimestampFormat="yyyy-MM-ddTHH:mm:ss.fff " Logging__Console__FormatterOptions__UseUtcTimestamp=true
# Run outside any clone, so local mode's defaults stay out of it.
mailcloud() { (cd "$WORK" && "$MAILCLOUD" "$@"); }
start_gateway() { (cd "$WORK" && exec "$MAILCLOUD" gateway "$@") >>"$WORK/gateway.log" 2>&1 & GATEWAY_PID=$!; wait_for_port "$GW_SMTP"; }
start_pipeline() { (cd "$WORK" && exec "$MAILCLOUD" pipeline) >>"$WORK/pipeline.log" 2>&1 & PIPELINE_PID=$!; }

start_gateway --ensure-storage
mailcloud domain add example.test >/dev/null
mailcloud account add soak@example.test --password "$PASSWORD" --quota 10GB >/dev/null
start_pipeline

# --- Postfix: the sending MTA, relaying example.test to our gateway, retrying quickly -----------
start_postfix "smtp:[127.0.0.1]:$GW_SMTP" "minimal_backoff_time = 2s
maximal_backoff_time = 10s
queue_run_delay = 2s
smtp_connect_timeout = 5s
smtp_data_done_timeout = 120s
smtp_destination_concurrency_failed_cohort_limit = 100"
postfix_queue_empty() { postqueue -c "$WORK/postfix" -p 2>/dev/null | grep -q "Mail queue is empty"; }

# --- the flow, and the killing ------------------------------------------------------------------
log "sending $MESSAGES messages at up to $RATE/s through Postfix (127.0.0.1:$POSTFIX_PORT) to the gateway (127.0.0.1:$GW_SMTP)"
python3 "$HERE/generate.py" "$POSTFIX_PORT" "$MESSAGES" "$RATE" "$RUN_ID" "$WORK/postfix-queue" "$BACKLOG" $GENERATE_FOR >"$WORK/generated.txt" 2>"$WORK/generator.log" &
GENERATOR_PID=$!

jitter() { echo $(( $1 * 3 / 4 + RANDOM % ($1 / 2 + 1) )); }  # ~interval: 75%..125%
gateway_kills=0 pipeline_kills=0 azurite_restarts=0 crashes=0
next_gateway=$(( $(date +%s) + $(jitter "$GATEWAY_EVERY") ))
next_pipeline=$(( $(date +%s) + $(jitter "$PIPELINE_EVERY") ))
next_azurite=$(( $(date +%s) + $(jitter "$AZURITE_EVERY") ))

# A process that exited without being killed is a crash: counted, its last lines shown, restarted.
restart_crashed() {
  local name=$1 pid=$2 logfile=$3 code=0
  kill -0 "$pid" 2>/dev/null && return 1
  wait "$pid" 2>/dev/null || code=$?
  crashes=$((crashes + 1))
  log "CRASH: the $name (pid $pid) exited by itself with code $code; last lines of $logfile:"
  tail -5 "$logfile" >&2
  return 0
}

: >"$WORK/kills.txt"
kill_now() { # name pid: SIGKILL, recorded (check.py reads the times), reaped
  echo "$(date +%s.%N) $1" >>"$WORK/kills.txt"
  log "kill -9 $1 (pid $2)"
  kill -9 "$2"; wait "$2" 2>/dev/null || true
}
generator_done=false
while true; do
  check_deadline
  now=$(date +%s)
  if ! $generator_done && ! kill -0 "$GENERATOR_PID" 2>/dev/null; then
    wait "$GENERATOR_PID" || { log "the generator failed:"; cat "$WORK/generator.log" >&2; exit 1; }
    GENERATOR_PID="" generator_done=true
    log "generator done: $(wc -l <"$WORK/generated.txt") messages queued in Postfix $(cat "$WORK/generator.log")"
  fi
  if $generator_done && postfix_queue_empty; then break; fi

  if restart_crashed gateway "$GATEWAY_PID" "$WORK/gateway.log"; then start_gateway; fi
  if restart_crashed pipeline "$PIPELINE_PID" "$WORK/pipeline.log"; then start_pipeline; fi
  if [ "$now" -ge "$next_gateway" ] && [ "$gateway_kills" -lt "$GATEWAY_KILLS" ]; then
    kill_now gateway "$GATEWAY_PID"; gateway_kills=$((gateway_kills + 1)); start_gateway
    next_gateway=$(( now + $(jitter "$GATEWAY_EVERY") ))
  fi
  if [ "$now" -ge "$next_pipeline" ] && [ "$pipeline_kills" -lt "$PIPELINE_KILLS" ]; then
    kill_now pipeline "$PIPELINE_PID"; pipeline_kills=$((pipeline_kills + 1)); start_pipeline
    next_pipeline=$(( now + $(jitter "$PIPELINE_EVERY") ))
  fi
  if [ "$now" -ge "$next_azurite" ] && [ "$azurite_restarts" -lt "$AZURITE_RESTARTS" ]; then
    echo "$(date +%s.%N) azurite" >>"$WORK/kills.txt"
    azurite_restarts=$((azurite_restarts + 1)); log "restart Azurite #$azurite_restarts (pid $AZURITE_PID)"
    stop_pid "$AZURITE_PID"
    start_azurite_persistent
    next_azurite=$(( now + $(jitter "$AZURITE_EVERY") ))
  fi
  sleep 0.5
done
log "Postfix's queue is empty; kills stop. Waiting for our queues to drain"

# --- drain: our queues hold nothing active (dead letters may remain) ------------------------------
while true; do
  check_deadline
  if restart_crashed gateway "$GATEWAY_PID" "$WORK/gateway.log"; then start_gateway; fi
  if restart_crashed pipeline "$PIPELINE_PID" "$WORK/pipeline.log"; then start_pipeline; fi
  if mailcloud queue list >"$WORK/queues.txt" 2>&1 && awk 'NR > 1 && $2 != 0 { busy = 1 } END { exit busy }' "$WORK/queues.txt"; then break; fi
  sleep 2
done
cat "$WORK/queues.txt" >&2

: >"$WORK/dead-letters.txt"
for queue in $(awk 'NR > 1 { print $1 }' "$WORK/queues.txt"); do
  mailcloud queue show "$queue" --dead-letter --max 100000 >>"$WORK/dead-letters.txt"
done

elapsed=$(( $(date +%s) - STARTED ))
echo "kills: gateway $gateway_kills, pipeline $pipeline_kills, Azurite restarts $azurite_restarts; crashes $crashes; ${elapsed}s in all"
set +e
python3 "$HERE/check.py" "$WORK/generated.txt" "$WORK/postfix.log" "$WORK/gateway.log" "$WORK/kills.txt" "$WORK/dead-letters.txt" "$GW_IMAP" soak@example.test "$PASSWORD"
RESULT=$?
set -e
[ "$crashes" = 0 ] || RESULT=1
exit "$RESULT"
