#!/usr/bin/env bash
# `cpack -G DEB` in the build tree makes a .deb holding the binary at /usr/bin/tgd, the units with
# ExecStart= naming it, the sysusers.d entry, the example config, dependencies found by
# dpkg-shlibdeps and the maintainer scripts that enable tgd.service as Debian does.
#
#   deb_package_test.sh BUILD_DIR WORK_DIR
#
# Exit 77 (skipped) without dpkg-deb or dpkg-shlibdeps (Debian's dpkg-dev).
set -euo pipefail
build=$1 work=$2

for tool in dpkg-deb dpkg-shlibdeps file cpack; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool is not installed: skipped"
    exit 77
  fi
done
rm -rf "$work"
mkdir -p "$work"
# The package goes to WORK_DIR (with CPack's staging), not into the build tree.
(cd "$work" && cpack -G DEB -B "$work" --config "$build/CPackConfig.cmake") >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log"
  exit 1
}
debs=("$work"/tgd_*.deb)
deb=${debs[0]}
[[ -f $deb ]] || { echo "no .deb in $work"; ls -la "$work"; exit 1; }
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

fail() { echo "FAIL: $*"; exit 1; }
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/tgd ./usr/lib/systemd/system/tgd.service ./usr/lib/systemd/system/tgd.socket \
            ./usr/lib/systemd/system/tgd@.service ./usr/lib/systemd/system/tgd@.socket \
            ./usr/lib/sysusers.d/tgd.conf ./usr/share/doc/tgd/tgd.example.toml; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package:"$'\n'"$contents"
done
grep -q -- "-rwxr-xr-x root/root .* ./usr/bin/tgd$" <<<"$contents" || fail "/usr/bin/tgd is not root's 0755"

files=$work/files
mkdir -p "$files"
dpkg-deb -x "$deb" "$files"
service=$files/usr/lib/systemd/system/tgd.service
grep -qx 'ExecStart=/usr/bin/tgd run --config /etc/tgd/tgd.toml' "$service" ||
  fail "tgd.service's ExecStart= does not name /usr/bin/tgd"
grep -qx 'Type=notify' "$service" || fail "tgd.service is not Type=notify"
"$files/usr/bin/tgd" --version | grep -q '^tgd ' || fail "the packaged tgd does not run"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for package in libc6 libssl3 libsystemd0 init-system-helpers; do
  grep -q "\b$package\b" <<<"$depends" || fail "Depends lacks $package (dpkg-shlibdeps)"
done
[[ $(dpkg-deb -f "$deb" Package) == tgd ]] || fail "the package is not named tgd"

control=$work/control
dpkg-deb -e "$deb" "$control"
for script in postinst prerm postrm; do
  [[ -x $control/$script ]] || fail "no executable $script"
  sh -n "$control/$script" || fail "$script is not valid sh"
done
grep -q "deb-systemd-helper enable 'tgd.service'" "$control/postinst" || fail "postinst does not enable tgd.service"
grep -q "deb-systemd-invoke" "$control/postinst" || fail "postinst does not start tgd.service"
grep -q "systemd-sysusers tgd.conf" "$control/postinst" || fail "postinst does not create the tgd user"
grep -q "deb-systemd-invoke stop" "$control/prerm" || fail "prerm does not stop tgd"
grep -q "deb-systemd-helper purge" "$control/postrm" || fail "postrm does not purge the units' state"
rm -rf "$work"
echo "ok"
