#pragma once
// The requests a session accepted (API queries and rpc_drop_answer) and the answers it sent, by the
// client's msg_id. Sent answers are kept, bounded by count and bytes (oldest out first), so that a
// duplicate request gets its answer again without running twice (Appendix B.7), msg_resend_req can
// be served, unacknowledged answers can be re-sent on a new connection (facts §3.12), and
// msgs_state_req can say what happened (facts §3.10).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "protocol/base/bytes.hpp"

namespace tgd::mtproto::server {

class RequestLog {
 public:
  enum class State : std::uint8_t {
    kRunning,  // the API layer has it
    kHeld,     // answered, held back by Faults::hold_answers
    kQueued,   // answered, waiting for flush()
    kSent,     // answered and sent; `answer` holds the rpc_result body
  };
  struct Request {
    State state = State::kRunning;
    bool acked_by_server = false;  // our msgs_ack or answer told the client we got it (status +8)
    bool answer_acked = false;     // the client acknowledged the answer (status +128)
    std::uint64_t answer_msg_id = 0;
    Bytes answer;
  };

  RequestLog(std::size_t max_answers, std::size_t max_answer_bytes);

  Request* find(std::uint64_t req_msg_id);
  const Request* find(std::uint64_t req_msg_id) const;
  // The request whose latest answer copy has this server msg_id.
  Request* find_by_answer(std::uint64_t answer_msg_id);
  std::uint64_t request_of_answer(std::uint64_t answer_msg_id) const;  // 0 if unknown

  // A new request (kRunning). The reference stays valid until that request is erased or evicted.
  Request& start(std::uint64_t req_msg_id);
  // The first copy of the answer went out as answer_msg_id: keep it, evicting the oldest answers.
  void on_sent(std::uint64_t req_msg_id, std::uint64_t answer_msg_id, Bytes answer);
  // Another copy went out (a replay): the client now knows the answer by this id.
  void on_resent(std::uint64_t req_msg_id, std::uint64_t answer_msg_id);
  // msgs_ack from the client naming one of our messages; false if it is not a known answer.
  bool on_client_ack(std::uint64_t answer_msg_id);
  // Forgets a request whose queued answer was dropped (rpc_drop_answer).
  void erase(std::uint64_t req_msg_id);

  // Requests whose answer was sent but not acknowledged, oldest first.
  template <typename F>
  void for_each_unacked(F&& f) const {
    for (std::uint64_t id : sent_order_) {
      const auto it = requests_.find(id);
      if (it != requests_.end() && it->second.state == State::kSent && !it->second.answer_acked)
        f(id, it->second);
    }
  }

  std::size_t size() const { return requests_.size(); }
  std::size_t kept_answers() const { return sent_order_.size(); }

 private:
  void evict();

  std::unordered_map<std::uint64_t, Request> requests_;
  std::unordered_map<std::uint64_t, std::uint64_t> by_answer_;  // answer msg_id -> request msg_id
  std::deque<std::uint64_t> sent_order_;                        // requests with a kept answer, oldest first
  std::size_t kept_bytes_ = 0;
  std::size_t max_answers_;
  std::size_t max_answer_bytes_;
};

}  // namespace tgd::mtproto::server
