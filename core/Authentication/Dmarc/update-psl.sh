#!/bin/sh
# Refreshes the Public Suffix List shipped with DMARC (an embedded resource of MailCloud.Core)
# from Debian's publicsuffix package, and its licence (MPL-2.0) with it.
#   sudo apt-get install --only-upgrade publicsuffix && core/Authentication/Dmarc/update-psl.sh
set -eu
here=$(dirname "$0")
source=/usr/share/publicsuffix/public_suffix_list.dat
if [ ! -r "$source" ]; then
    echo "update-psl.sh: $source is missing; apt-get install publicsuffix" >&2
    exit 1
fi
grep -q '===BEGIN ICANN DOMAINS===' "$source" || { echo "update-psl.sh: $source does not look like the PSL" >&2; exit 1; }
cp "$source" "$here/public_suffix_list.dat"
cp /usr/share/common-licenses/MPL-2.0 "$here/public_suffix_list.LICENSE"
echo "public_suffix_list.dat: $(grep -cv '^\(//\|$\)' "$here/public_suffix_list.dat") rules, from $(dpkg-query -W -f='${Package} ${Version}' publicsuffix 2>/dev/null || echo "$source")"
