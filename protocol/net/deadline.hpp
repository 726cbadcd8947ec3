#pragma once
// Deadlines for single Asio operations: the operation races a timer and is cancelled if the
// timer wins. Include only in .cpp files (awaitable_operators is a heavy header).
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <chrono>
#include <optional>

#include "protocol/net/asio.hpp"

namespace tgd::net {

// Runs `op` (an awaitable) against `timeout`: its result, or nullopt when the deadline won.
template <typename Op>
auto with_deadline(Op op, std::chrono::milliseconds timeout)
    -> awaitable<std::optional<typename Op::value_type>> {
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto result = co_await (std::move(op) || timer.async_wait(as_tuple_awaitable));
  if (result.index() == 1) co_return std::nullopt;
  co_return std::get<0>(std::move(result));
}

}  // namespace tgd::net
