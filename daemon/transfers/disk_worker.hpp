#pragma once
// Threads for the blocking disk calls of transfers (open, pread, pwrite, fallocate, fsync, rename,
// unlink), so the event loop never waits for a disk. Each transfer takes a strand: its calls run
// one at a time and in order (the daemon/files classes are not thread-safe), and different
// transfers run side by side.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>

namespace tgd::transfers {

class DiskWorker {
 public:
  using Strand = boost::asio::strand<boost::asio::thread_pool::executor_type>;

  explicit DiskWorker(std::size_t threads) : pool_(threads) {}
  ~DiskWorker() {
    pool_.stop();
    pool_.join();
  }
  DiskWorker(const DiskWorker&) = delete;
  DiskWorker& operator=(const DiskWorker&) = delete;

  Strand strand() { return boost::asio::make_strand(pool_.get_executor()); }

 private:
  boost::asio::thread_pool pool_;
};

// Runs f() on `strand` and resumes the calling coroutine on its own executor with the result. f
// must return a value (its result is carried through an optional, so it need not be
// default-constructible) and must not touch the event loop's objects.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> on_disk(DiskWorker::Strand strand, F f) {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_void_v<R>, "return a value from a disk call");
  std::optional<R> out = co_await boost::asio::co_spawn(
      strand, [&f]() -> boost::asio::awaitable<std::optional<R>> { co_return std::optional<R>(f()); },
      boost::asio::use_awaitable);
  co_return std::move(*out);
}

}  // namespace tgd::transfers
