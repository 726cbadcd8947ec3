#!/usr/bin/env bash
# The units of systemd/ pass `systemd-analyze verify` without a single diagnostic, and tgd.service's
# `systemd-analyze security` exposure stays at most MAX_EXPOSURE.
#
#   verify_units.sh TGD UNITS_DIR WORK_DIR MAX_EXPOSURE
#
# Nothing is installed: the units are checked in a scratch root (--root=WORK_DIR/root) holding the
# built tgd at /usr/bin/tgd (the path the units name), /bin/kill (ExecReload=), the host's own units
# (sysinit.target and the rest of the dependency graph) and the units under test in
# /etc/systemd/system. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
tgd=$1 units=$2 work=$3 max_exposure=$4

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze is not installed: skipped"
  exit 77
fi
host_units=
for dir in /usr/lib/systemd/system /lib/systemd/system; do
  if [[ -f $dir/sysinit.target ]]; then host_units=$dir; break; fi
done
if [[ -z $host_units ]]; then
  echo "no systemd units on this host (sysinit.target): skipped"
  exit 77
fi

root=$work/root
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/bin" "$root/usr/lib/systemd" "$root/etc/systemd/system"
# The real file, not a symlink: --root resolves links inside the root.
ln "$tgd" "$root/usr/bin/tgd" 2>/dev/null || cp "$tgd" "$root/usr/bin/tgd"
cp "$(type -P kill)" "$root/bin/kill"
cp -a "$host_units" "$root/usr/lib/systemd/system"
cp "$units"/tgd.service "$units"/tgd.socket "$units"/tgd@.service "$units"/tgd@.socket "$root/etc/systemd/system/"

status=0
# An instance of each template (systemd-analyze verifies a template through one of its instances).
for unit in tgd.service tgd.socket tgd@example.service tgd@example.socket; do
  # verify warns (unknown keys, bad values, missing commands) and still exits 0: any output fails.
  output=$(cd "$work" && systemd-analyze verify --root="$root" "$unit" 2>&1) || status=1
  if [[ -n $output ]]; then
    echo "$unit:"
    echo "$output"
    status=1
  else
    echo "$unit: verified"
  fi
done

for unit in tgd.service tgd@example.service; do
  report=$(cd "$work" && systemd-analyze security --offline=yes --root="$root" "$unit" 2>&1) || true
  exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$report")
  if [[ -z $exposure ]]; then
    echo "$report"
    echo "$unit: no exposure level in systemd-analyze security's report"
    status=1
  elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e > m) }'; then
    grep '✗' <<<"$report" || true
    echo "$unit: exposure $exposure, more than $max_exposure"
    status=1
  else
    echo "$unit: exposure $exposure (at most $max_exposure)"
  fi
done
rm -rf "$root"
exit $status
