#include "daemon/session/call_queue.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace tgd::session {

QueueNode::QueueNode(const boost::asio::any_io_executor& executor)
    : wake(executor, std::chrono::steady_clock::time_point::max()) {}

void QueueNode::changed() {
  if (auto n = next.lock()) n->wake.cancel();
}

QueuePlace& QueuePlace::operator=(QueuePlace&& other) noexcept {
  if (this != &other) {
    leave();
    node_ = std::move(other.node_);
  }
  return *this;
}

void QueueNode::finish() {
  state = State::Done;
  // A done call holds nothing up: the chain behind it no longer needs what came before.
  previous.reset();
  changed();
}

boost::asio::awaitable<void> QueueNode::previous_done() {
  while (previous && previous->state != State::Done) {
    wake.expires_at(std::chrono::steady_clock::time_point::max());
    co_await wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  previous.reset();
}

void QueuePlace::leave() {
  if (!node_) return;
  node_->finish();
  node_.reset();
}

QueuePlace CallQueue::join() {
  auto node = std::make_shared<QueueNode>(executor_);
  if (auto last = last_.lock(); last && last->state != QueueNode::State::Done) {
    node->previous = last;
    last->next = node;
  }
  last_ = node;
  return QueuePlace(std::move(node));
}

}  // namespace tgd::session
