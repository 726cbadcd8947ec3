#!/usr/bin/env bash
# Installs, with apt-get, whatever tgd needs to build and test that this Debian 12 machine lacks.
# Idempotent: packages already present are left alone and apt-get is not called at all.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config python3
  libboost1.81-dev libssl-dev libsimdjson-dev libspdlog-dev libfmt-dev doctest-dev
  zlib1g-dev libsqlite3-dev libtomlplusplus-dev libcli11-dev libsystemd-dev libmimalloc-dev
  python3-telethon  # the independent client of the interop tests
  systemd dpkg-dev file  # systemd-analyze verify of the units; cpack -G DEB (dpkg-shlibdeps, file)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
