#pragma once
// Ordered call queues (issue #8, a JSON-RPC call's "queue" option): calls in one queue reach
// Telegram in the order they joined it, yet several are in flight at once. Each call is sent as
// invokeAfterMsg naming the call before it (facts §5.1), so the server runs it only after that
// one; when that one fails, the server answers this one MSG_WAIT_FAILED and the Invoker sends it
// again once the one before it is sent again (or has ended). MadelineProto's call queues, across
// the process boundary.
//
// A call takes its place when the request is received — before anything is awaited, so the order
// is the order of arrival — and keeps it until its call has ended; the Invoker moves it between
// "waiting" and "sent". Calls in different queues, or in none, never wait for each other.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>

#include "protocol/net/mtproto_client.hpp"

namespace tgd::session {

// A call's state as the next call in its queue sees it.
struct QueueNode {
  enum class State : std::uint8_t { Waiting, Sent, Done };

  explicit QueueNode(const boost::asio::any_io_executor& executor);
  // Wakes the next call, which may be waiting for this one to be sent or done.
  void changed();
  // Done: the next call goes on without naming this one.
  void finish();
  // Waits until the call before this one is done: for calls that are not chained on the wire (a
  // daemon method's own calls), where being sent is not enough.
  boost::asio::awaitable<void> previous_done();

  State state = State::Waiting;
  const net::MtprotoClient* client = nullptr;  // Sent: the connection the call went out on
  net::CallTicket ticket{};                    // Sent: the call there, for the next to name
  std::uint64_t sends = 0;                     // how many times it was sent
  std::uint64_t chained_to = 0;                // the send of `previous` the current send names
  std::shared_ptr<QueueNode> previous;         // the call before, until it is done
  std::weak_ptr<QueueNode> next;
  boost::asio::steady_timer wake;  // cancelled when `previous` changes; expires at the deadline
};

// A call's place in a queue (held by the request). Leaving it — destruction — marks the call done.
class QueuePlace {
 public:
  QueuePlace() = default;
  explicit QueuePlace(std::shared_ptr<QueueNode> node) : node_(std::move(node)) {}
  QueuePlace(QueuePlace&&) noexcept = default;
  QueuePlace& operator=(QueuePlace&& other) noexcept;
  QueuePlace(const QueuePlace&) = delete;
  QueuePlace& operator=(const QueuePlace&) = delete;
  ~QueuePlace() { leave(); }

  QueueNode* node() const { return node_.get(); }
  explicit operator bool() const { return node_ != nullptr; }

 private:
  void leave();
  std::shared_ptr<QueueNode> node_;
};

// One named queue: the calls in it, in the order they joined.
class CallQueue {
 public:
  explicit CallQueue(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  QueuePlace join();
  // No call holds a place any more.
  bool idle() const { return last_.expired(); }

 private:
  boost::asio::any_io_executor executor_;
  std::weak_ptr<QueueNode> last_;
};

}  // namespace tgd::session
