# Shared by the bench scripts (source it; needs ROOT, WORK and ARTIFACTS set): free loopback
# ports, waiting for a listener, stopping by PID, an in-memory Azurite, a private Postfix, and a
# Release build of `mailcloud`.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_for_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on port $1" >&2
  return 1
}

# Starts Azurite (pinned in package.json) in memory on free ports; sets AZURITE_PID and exports
# Storage__ConnectionString for the mailcloud processes started after it.
start_azurite() {
  [ -x "$ROOT/node_modules/.bin/azurite" ] || (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  local blob queue table
  blob=$(free_port); queue=$(free_port); table=$(free_port)
  "$ROOT/node_modules/.bin/azurite" --silent --inMemoryPersistence --skipApiVersionCheck \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" >"$WORK/azurite.log" 2>&1 &
  AZURITE_PID=$!
  wait_for_port "$blob"; wait_for_port "$queue"; wait_for_port "$table"
  # Azurite's well-known development account key (public, documented by Microsoft).
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
}

# Builds the mailcloud executable in Release under ARTIFACTS; sets MAILCLOUD to its path. A MAILCLOUD
# already set to an executable (e.g. CI's published one) is used as it is.
build_mailcloud() {
  if [ -n "${MAILCLOUD:-}" ] && [ -x "$MAILCLOUD" ]; then return 0; fi
  echo "building mailcloud (Release) ..." >&2
  dotnet build "$ROOT/cli/MailCloud.Cli.csproj" -c Release --artifacts-path "$ARTIFACTS" -v q -nologo >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log" >&2; return 1; }
  MAILCLOUD="$ARTIFACTS/bin/MailCloud.Cli/release/mailcloud"
}

# TERM, wait up to 20 s, then KILL: for the servers a bench script started (by PID).
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Starts a private Postfix under $WORK/postfix on a free loopback port (sets POSTFIX_PORT), not
# chrooted, logging to $WORK/postfix.log, accepting example.test from loopback and handing it to
# the transport given (e.g. "discard:benchmark" or "lmtp:inet:127.0.0.1:PORT"); a second argument,
# if given, is more main.cf lines (e.g. short retry timers). Needs root; stop it with
# `postfix -c "$WORK/postfix" stop`.
start_postfix() {
  local transport=$1 extra=${2:-}
  POSTFIX_PORT=$(free_port)
  # Postfix's daemons run as the postfix user: they must reach the queue and data directories.
  chmod 755 "$WORK"
  mkdir -p "$WORK/postfix" "$WORK/postfix-queue" "$WORK/postfix-data"
  chown postfix "$WORK/postfix-data"
  cp /etc/postfix/master.cf "$WORK/postfix/master.cf"
  cat > "$WORK/postfix/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $WORK/postfix-queue
data_directory = $WORK/postfix-data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.test
mydestination =
mynetworks = 127.0.0.0/8
relay_domains = example.test
relay_recipient_maps =
relay_transport = $transport
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
message_size_limit = 52428800
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
maillog_file = $WORK/postfix.log
maillog_file_prefixes = $WORK
$extra
CONF
  postconf -c "$WORK/postfix" -F '*/*/chroot = n'
  sed -i -E "s/^smtp([[:space:]]+)inet/${POSTFIX_PORT}\1inet/" "$WORK/postfix/master.cf"
  postfix -c "$WORK/postfix" check
  postfix -c "$WORK/postfix" start
  wait_for_port "$POSTFIX_PORT"
}
