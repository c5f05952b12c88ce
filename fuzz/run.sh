#!/usr/bin/env bash
# Fuzzes one target with AFL++ and SharpFuzz: bash fuzz/run.sh <target> [seconds]   (see fuzz/README.md)
#
# Publishes fuzz/MailCloud.Fuzz (Release), instruments a copy of the assemblies that hold the code
# under test with `sharpfuzz`, runs afl-fuzz for the given time (default 3600 s) under `nice -n 19`,
# copies new crash and hang inputs to fuzz/findings/<target>/ and prints afl's figures.
# Needs: apt-get install -y afl++; dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
#
# Environment: FUZZ_WORK (default /tmp/mailcloud-fuzz) holds the build and afl's output;
# FUZZ_SKIP_PUBLISH=1 reuses the last publish (several targets in a row, nothing changed);
# FUZZ_KEEP_NEW=N copies up to N of the smallest new inputs that gained coverage to fuzz/corpus/<target>/.
set -euo pipefail

target=${1:?usage: bash fuzz/run.sh <target> [seconds]}
seconds=${2:-3600}
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus="$repo/fuzz/corpus/$target"
findings="$repo/fuzz/findings/$target"
work=${FUZZ_WORK:-/tmp/mailcloud-fuzz}
publish="$work/publish"
bin="$work/$target/bin"
out="$work/$target/afl"
export PATH="$PATH:$HOME/.dotnet/tools"

[[ -d "$corpus" ]] || { echo "no corpus for '$target' in fuzz/corpus/" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz missing: apt-get install -y afl++" >&2; exit 2; }
command -v sharpfuzz >/dev/null || { echo "sharpfuzz missing: dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0" >&2; exit 2; }

# The publish folder is never instrumented, so an unchanged project publishes incrementally;
# each run instruments a fresh copy.
if [[ -z "${FUZZ_SKIP_PUBLISH:-}" || ! -f "$publish/MailCloud.Fuzz.dll" ]]; then
  nice -n 19 dotnet publish "$repo/fuzz/MailCloud.Fuzz/MailCloud.Fuzz.csproj" -c Release -o "$publish" -v q --nologo
fi
rm -rf "$bin" "$out"
mkdir -p "$bin" "$out"
cp -r "$publish/." "$bin/"

# The code under test: the gateway's parsers always; Core's types where the target builds them;
# MimeKit for mime-structure, whose input is parsed by MimeKit before our writers see it.
assemblies=(MailCloud.Gateway.dll)
case "$target" in
  smtp-command | imap-command | imap-search | modified-utf7 | sieve-script) assemblies+=(MailCloud.Core.dll) ;;
  mime-structure) assemblies+=(MimeKit.dll) ;;
esac
for assembly in "${assemblies[@]}"; do
  nice -n 19 sharpfuzz "$bin/$assembly"
done

# dotnet itself carries no AFL instrumentation (SharpFuzz speaks the fork-server protocol from
# inside the process); the machine is shared, so no CPU pinning and a generous start-up wait.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=120000
echo "fuzzing $target for $seconds s (instrumented: ${assemblies[*]})"
nice -n 19 afl-fuzz -i "$corpus" -o "$out" -t 1000 -m none -V "$seconds" -- dotnet "$bin/MailCloud.Fuzz.dll" "$target" \
  > "$out/afl.log" 2>&1 || { tail -30 "$out/afl.log" >&2; exit 1; }

# Inputs are named by content, so a crash found again is not kept twice.
keep() {
  local kind=$1 prefix=$2 file name
  for file in "$out"/default/"$kind"/id:*; do
    [[ -f "$file" ]] || continue
    name="$prefix-$(sha1sum "$file" | cut -c1-12)"
    mkdir -p "$findings"
    [[ -e "$findings/$name" ]] || { cp "$file" "$findings/$name"; echo "new $prefix: fuzz/findings/$target/$name"; }
  done
}
keep crashes crash
keep hangs hang

if [[ -n "${FUZZ_KEEP_NEW:-}" ]]; then
  mapfile -t new < <(find "$out/default/queue" -maxdepth 1 -type f -name 'id:*+cov*' -size -4k -printf '%s %p\n' | sort -n | head -n "$FUZZ_KEEP_NEW" | cut -d' ' -f2-)
  for file in "${new[@]}"; do
    name="afl-$(sha1sum "$file" | cut -c1-12)"
    [[ -e "$corpus/$name" ]] || { cp "$file" "$corpus/$name"; echo "new corpus entry: fuzz/corpus/$target/$name"; }
  done
fi

stats="$out/default/fuzzer_stats"
echo "$target: $(grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs) ' "$stats" | tr -s ' ' | sed 's/ : /=/' | tr '\n' ' ')"
