#include "daemon/allocator.hpp"

#include <cstdlib>
#include <memory>

#ifdef TGD_MIMALLOC
#include <mimalloc.h>
#endif

namespace tgd::daemon {

AllocatorReport allocator_report() {
  AllocatorReport report;
#ifdef TGD_MIMALLOC
  report.expected_mimalloc = true;
  // Both entry points: a C library's malloc and the C++ runtime's operator new could be resolved
  // separately if the link order were wrong.
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> block(std::malloc(64));
  auto object = std::make_unique<long>(0);
  report.malloc_is_mimalloc = mi_is_in_heap_region(block.get()) && mi_is_in_heap_region(object.get());
  const int v = mi_version();  // e.g. 209 for 2.0.9
  report.description = "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." +
                       std::to_string(v % 10) +
                       (report.malloc_is_mimalloc ? " serves malloc and operator new"
                                                  : " is linked but does NOT serve malloc/operator new");
#else
  report.description = "the C library's malloc (built without TGD_MIMALLOC)";
#endif
  return report;
}

}  // namespace tgd::daemon
