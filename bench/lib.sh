# Shared by the bench scripts (source it; needs ROOT, WORK and ARTIFACTS set): free loopback
# ports, waiting for a listener, an in-memory Azurite, and a Release build of `mailcloud`.

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
  wait_for_port "$blob"; wait_for_port "$queue"
  # Azurite's well-known development account key (public, documented by Microsoft).
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;"
}

# Builds the mailcloud executable in Release under ARTIFACTS; sets MAILCLOUD to its path.
build_mailcloud() {
  echo "building mailcloud (Release) ..." >&2
  dotnet build "$ROOT/cli/MailCloud.Cli.csproj" -c Release --artifacts-path "$ARTIFACTS" -v q -nologo >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log" >&2; return 1; }
  MAILCLOUD="$ARTIFACTS/bin/MailCloud.Cli/release/mailcloud"
}
