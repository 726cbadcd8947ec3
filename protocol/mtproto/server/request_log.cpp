#include "protocol/mtproto/server/request_log.hpp"

#include <utility>

namespace tgd::mtproto::server {

RequestLog::RequestLog(std::size_t max_answers, std::size_t max_answer_bytes)
    : max_answers_(max_answers == 0 ? 1 : max_answers), max_answer_bytes_(max_answer_bytes) {}

RequestLog::Request* RequestLog::find(std::uint64_t req_msg_id) {
  const auto it = requests_.find(req_msg_id);
  return it == requests_.end() ? nullptr : &it->second;
}

const RequestLog::Request* RequestLog::find(std::uint64_t req_msg_id) const {
  const auto it = requests_.find(req_msg_id);
  return it == requests_.end() ? nullptr : &it->second;
}

std::uint64_t RequestLog::request_of_answer(std::uint64_t answer_msg_id) const {
  const auto it = by_answer_.find(answer_msg_id);
  return it == by_answer_.end() ? 0 : it->second;
}

RequestLog::Request* RequestLog::find_by_answer(std::uint64_t answer_msg_id) {
  const std::uint64_t req = request_of_answer(answer_msg_id);
  return req == 0 ? nullptr : find(req);
}

RequestLog::Request& RequestLog::start(std::uint64_t req_msg_id) {
  return requests_.try_emplace(req_msg_id).first->second;
}

void RequestLog::on_sent(std::uint64_t req_msg_id, std::uint64_t answer_msg_id, Bytes answer) {
  Request* r = find(req_msg_id);
  if (r == nullptr || r->state == State::kSent) return;
  r->state = State::kSent;
  r->acked_by_server = true;  // an rpc_result acknowledges its query (facts §3.12)
  r->answer_msg_id = answer_msg_id;
  kept_bytes_ += answer.size();
  r->answer = std::move(answer);
  by_answer_[answer_msg_id] = req_msg_id;
  sent_order_.push_back(req_msg_id);
  evict();
}

void RequestLog::on_resent(std::uint64_t req_msg_id, std::uint64_t answer_msg_id) {
  Request* r = find(req_msg_id);
  if (r == nullptr || r->state != State::kSent) return;
  by_answer_.erase(r->answer_msg_id);
  r->answer_msg_id = answer_msg_id;
  r->answer_acked = false;
  by_answer_[answer_msg_id] = req_msg_id;
}

bool RequestLog::on_client_ack(std::uint64_t answer_msg_id) {
  Request* r = find_by_answer(answer_msg_id);
  if (r == nullptr) return false;
  r->answer_acked = true;
  return true;
}

void RequestLog::erase(std::uint64_t req_msg_id) {
  const auto it = requests_.find(req_msg_id);
  if (it == requests_.end() || it->second.state == State::kSent) return;  // kept answers leave by eviction
  requests_.erase(it);
}

void RequestLog::evict() {
  while (!sent_order_.empty() && (sent_order_.size() > max_answers_ || kept_bytes_ > max_answer_bytes_)) {
    const auto it = requests_.find(sent_order_.front());
    sent_order_.pop_front();
    if (it == requests_.end()) continue;
    kept_bytes_ -= it->second.answer.size();
    by_answer_.erase(it->second.answer_msg_id);
    requests_.erase(it);
  }
}

}  // namespace tgd::mtproto::server
