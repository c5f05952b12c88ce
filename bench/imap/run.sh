#!/usr/bin/env bash
# Runs the same IMAP load against Dovecot (apt's dovecot-imapd, on a high port) and MailCloud
# (`mailcloud dev`, IMAP on 127.0.0.1:2143) and prints both and the ratio MailCloud/Dovecot.
# Loopback only. Stops what it started, by PID.
#   usage: bench/imap/run.sh [imap_bench.py options, e.g. --idle 1000 --rounds 500]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d /tmp/mailcloud-imap-bench.XXXXXX)"
password="bench-$(date +%s)"
dovecot_port=14300
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -f "$work/run/master.pid" ]]; then kill "$(cat "$work/run/master.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

command -v dovecot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

mkdir -p "$work/home/Maildir"/{cur,new,tmp} "$work/run"
chown -R nobody:nogroup "$work/home"
cat > "$work/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $work/run
log_path = $work/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:~/Maildir
mail_max_userip_connections = 5000
default_internal_user = nobody
default_login_user = nobody
default_process_limit = 5000
default_client_limit = 10000
passdb {
  driver = static
  args = password=$password
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$work/home
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $dovecot_port
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
CONF
dovecot -c "$work/dovecot.conf"
sleep 1
dovecot_pid="$(cat "$work/run/master.pid")"

dotnet build "$root/cli" -c Release --artifacts-path "$work/art" -v quiet -nologo >/dev/null
(cd "$root" && exec dotnet "$work/art/bin/MailCloud.Cli/release/mailcloud.dll" dev --password "$password") >"$work/mailcloud.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 120); do
  (exec 3<>/dev/tcp/127.0.0.1/2143) 2>/dev/null && break
  sleep 1
done

python3 "$here/imap_bench.py" \
  "dovecot=$dovecot_port:u:$password:$dovecot_pid" \
  "mailcloud=2143:alice@example.test:$password:${pids[0]}" "$@"
