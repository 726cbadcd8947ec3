#!/usr/bin/env bash
# Configures and builds tgd into build/<kind> (kind: release | asan). Used by tools/demo and tools/test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
shift || true

case "$kind" in
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DTGD_SANITIZE=ON) ;;
  *) echo "build.sh: unknown build kind '$kind' (release|asan)" >&2; exit 2 ;;
esac
if [[ ${CI:-} == true ]]; then
  flags+=(-DTGD_WERROR=ON)
fi

# ccache (used by CMakeLists.txt when installed): paths relative to the checkout, so that clones
# in other directories (CI's clean clone) hit the same cache entries.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

dir="$root/build/$kind"
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$dir" "${generator[@]}" "${flags[@]}" >/dev/null
else
  cmake "$dir" "${flags[@]}" >/dev/null
fi
cmake --build "$dir" -j"$(nproc)" "$@"
