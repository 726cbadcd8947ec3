#pragma once
// Which malloc this process runs on: tgd is linked with mimalloc (CMake option TGD_MIMALLOC, see
// the top-level CMakeLists.txt for why), and a self-check confirms the override took effect —
// a library loaded ahead of it, or a build without it, would silently cost half the throughput.
#include <string>

namespace tgd::daemon {

struct AllocatorReport {
  bool expected_mimalloc = false;   // the build asked for mimalloc
  bool malloc_is_mimalloc = false;  // a malloc() block belongs to mimalloc's heap
  std::string description;          // e.g. "mimalloc 2.0.9 serves malloc and operator new"
};

AllocatorReport allocator_report();

}  // namespace tgd::daemon
