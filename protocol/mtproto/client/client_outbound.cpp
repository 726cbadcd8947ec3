// ClientSession, outbound: flush() turns everything pending into as few encrypted packets as the
// container limits allow, assigning msg_id and seq_no at the moment each message is serialised
// (facts §3.6: id order and seq_no order must agree, or the server answers 32/33).
#include <algorithm>

#include "protocol/crypto/gzip.hpp"
#include "protocol/mtproto/client/client_session.hpp"
#include "protocol/mtproto/client/service_messages.hpp"

namespace tgd::mtproto {

using client_detail::Request;
using client_detail::RequestState;

void ClientSession::flush(UnixNanos now, std::vector<OutgoingPacket>& out) {
  last_now_ = now;
  collect_garbage(now);
  schedule_due(now);
  connection_started_ = true;
  if (pending_service_.empty() && !requests_.has_queued() && !acks_due(now)) return;

  assembler_.reset();
  packet_items_.clear();
  packet_quick_acks_.clear();
  // Acks ride along with whatever goes out (facts §3.12), first so they are never cut off.
  emit_acks(now, out);
  // The loop may not grow pending_service_: service messages are only queued by inbound and timer
  // paths, never while flushing.
  for (auto& s : pending_service_) emit_service(s, now, out);
  pending_service_.clear();
  emit_requests(now, out);
  close_packet(now, out);
  prune();
}

bool ClientSession::wants_flush(UnixNanos now) const {
  return !pending_service_.empty() || requests_.has_queued() || acks_due(now) ||
         (options_.ping_interval.count() > 0 && !connection_started_);
}

void ClientSession::emit_acks(UnixNanos now, std::vector<OutgoingPacket>& out) {
  for (std::size_t i = 0; i < pending_acks_.size(); i += client_detail::kMaxIdsPerMessage) {
    const std::size_t n = std::min(client_detail::kMaxIdsPerMessage, pending_acks_.size() - i);
    scratch_.clear();
    client_detail::write_msgs_ack(scratch_, std::span(pending_acks_).subspan(i, n));
    // msgs_ack must not be content-related (facts §3.6).
    const std::uint64_t msg_id = emit_message(scratch_, false, now, out);
    sent_.insert(msg_id, SentEntry{SentKind::Ack, 0});
    aged_.push_back(AgedId{msg_id, now});
    counters_.acks_sent += n;
  }
  pending_acks_.clear();
}

void ClientSession::emit_service(PendingService& s, UnixNanos now, std::vector<OutgoingPacket>& out) {
  const std::uint64_t msg_id = emit_message(s.body, s.content_related, now, out);
  sent_.insert(msg_id, SentEntry{s.kind, 0});
  aged_.push_back(AgedId{msg_id, now});
  switch (s.kind) {
    case SentKind::Ping:
    case SentKind::KeepAlive:
    case SentKind::FutureSalts:
    case SentKind::StateReq:
    case SentKind::DropAnswer:
    case SentKind::DestroySession:
      // These wait for an answer, or must be repeated if the server refuses their packet.
      tracked_.push_back(TrackedService{msg_id, 0, s.kind, s.value, now, std::move(s.msg_ids)});
      packet_items_.push_back(PacketItem{s.kind, msg_id});
      break;
    default:
      break;
  }
}

void ClientSession::emit_requests(UnixNanos now, std::vector<OutgoingPacket>& out) {
  std::size_t bytes = 0;
  // Serialises a queue's requests in order until max_flush_bytes; the rest stay queued.
  const auto take = [&](std::vector<RequestId>& queue) {
    std::size_t taken = 0;
    for (; taken < queue.size(); ++taken) {
      if (options_.max_flush_bytes != 0 && bytes >= options_.max_flush_bytes) break;
      if (const Request* r = requests_.find(queue[taken])) bytes += r->query.size();
      serialize_with_dependencies(queue[taken], now, out);
    }
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(taken));
  };
  auto& resend = requests_.resend_queue();
  if (!resend.empty()) {
    // Resends go first and in creation order, so invokeAfterMsg chains mostly find their
    // predecessor serialised already.
    std::sort(resend.begin(), resend.end());
    take(resend);
  }
  take(requests_.fresh_queue());
}

void ClientSession::serialize_with_dependencies(RequestId id, UnixNanos now,
                                                std::vector<OutgoingPacket>& out) {
  // A request to run after another still queued one needs that one's new msg_id, so the queued
  // ancestors go first. `after` always names an older request, so the chain ends.
  dependency_stack_.clear();
  for (RequestId cur = id; cur;) {
    Request* r = requests_.find(cur);
    if (r == nullptr || r->state != RequestState::Queued) break;
    dependency_stack_.push_back(cur);
    if (!(r->after < cur)) break;
    cur = r->after;
  }
  for (auto it = dependency_stack_.rbegin(); it != dependency_stack_.rend(); ++it) {
    serialize_request(*it, *requests_.find(*it), now, out);
  }
}

void ClientSession::serialize_request(RequestId id, Request& r, UnixNanos now,
                                      std::vector<OutgoingPacket>& out) {
  ByteSpan body = r.query;
  std::uint64_t after_msg_id = 0;
  if (r.after) {
    if (const Request* after = requests_.find(r.after)) {
      if (after->state == RequestState::Sent) after_msg_id = after->msg_id;
    } else if (auto it = finished_msg_ids_.find(r.after.value); it != finished_msg_ids_.end()) {
      after_msg_id = it->second;
    }
  }
  const bool compress = r.compressible && options_.gzip_threshold > 0 &&
                        body.size() + (after_msg_id ? 12 : 0) > options_.gzip_threshold;
  if (after_msg_id != 0 || compress) {
    // invokeAfterMsg must be the outermost wrapper (facts §5.1) and gzip_packed is transparent,
    // so the wrapper is compressed with the query, as Telethon does.
    scratch_.clear();
    if (after_msg_id != 0) client_detail::write_invoke_after_msg_prefix(scratch_, after_msg_id);
    scratch_.insert(scratch_.end(), r.query.begin(), r.query.end());
    body = scratch_;
    if (compress) {
      const Bytes packed = crypto::gzip_compress(scratch_);
      if (client_detail::gzip_packed_size(packed.size()) < scratch_.size()) {
        gzip_scratch_.clear();
        client_detail::write_gzip_packed(gzip_scratch_, packed);
        body = gzip_scratch_;
        ++counters_.gzip_packed_sent;
      }
    }
  }
  // A packed query keeps its query's content-related seq_no (facts §3.6 ⚠, as tdlib and Telethon).
  const std::uint64_t msg_id = emit_message(body, r.content_related, now, out);
  requests_.mark_sent(r, msg_id, now);
  sent_.insert(msg_id, SentEntry{SentKind::Request, id.value});
  packet_items_.push_back(PacketItem{SentKind::Request, id.value});
  if (r.quick_ack) packet_quick_acks_.push_back(id);
  if (options_.state_check_after.count() > 0) sent_order_.push_back(SentOrder{id, msg_id, now});
  ++counters_.requests_sent;
}

std::uint64_t ClientSession::emit_message(ByteSpan body, bool content_related, UnixNanos now,
                                          std::vector<OutgoingPacket>& out) {
  if (!assembler_.fits(body.size())) close_packet(now, out);
  const std::uint64_t msg_id = new_msg_id(now);
  assembler_.add(msg_id, next_seq_no(content_related), body);
  ++counters_.messages_sent;
  return msg_id;
}

void ClientSession::close_packet(UnixNanos now, std::vector<OutgoingPacket>& out) {
  const std::size_t count = assembler_.count();
  if (count == 0) return;
  const std::int64_t salt = salts_.current(server_seconds(now));
  ByteSpan plaintext;
  if (count == 1) {
    plaintext = assembler_.seal_single(salt, session_id_, random_, options_.max_extra_padding);
  } else {
    // Created after its contents: a greater msg_id and a seq_no not below theirs, even as it is
    // not content-related (facts §3.5, §3.6).
    const std::uint64_t container_id = new_msg_id(now);
    plaintext = assembler_.seal_container(salt, session_id_, container_id, next_seq_no(false), random_,
                                          options_.max_extra_padding);
    sent_.insert(container_id, SentEntry{SentKind::Container, 0});
    aged_.push_back(AgedId{container_id, now});
    for (const PacketItem& item : packet_items_) {
      if (item.kind == SentKind::Request) {
        if (Request* r = requests_.find(RequestId{item.ref})) r->container_id = container_id;
      } else if (TrackedService* t = find_tracked(item.ref)) {
        t->container_id = container_id;
      }
    }
    ++counters_.containers_sent;
    counters_.container_messages += count;
  }

  OutgoingPacket packet;
  packet.payload.resize(crypto::kEncryptedHeaderSize + plaintext.size());
  // Sizes are right by construction (a non-empty multiple of 16), so this cannot fail.
  packet.quick_ack_token =
      cipher_.encrypt_to(key_, crypto::Direction::kClientToServer, plaintext, packet.payload).value_or(0);
  if (!packet_quick_acks_.empty()) {
    packet.quick_ack = true;
    // Only the newest few packets can still be quick-acked; keep the list short.
    constexpr std::size_t kMaxQuickAckRecords = 256;
    if (quick_acks_.size() >= kMaxQuickAckRecords) quick_acks_.erase(quick_acks_.begin());
    quick_acks_.push_back(QuickAckRecord{packet.quick_ack_token, packet_quick_acks_});
  }
  ++counters_.packets_sent;
  counters_.bytes_sent += packet.payload.size();
  out.push_back(std::move(packet));

  assembler_.reset();
  packet_items_.clear();
  packet_quick_acks_.clear();
}

std::uint64_t ClientSession::new_msg_id(UnixNanos now) {
  // After a backwards time correction the clock may revisit ids still remembered (facts §3.8);
  // never hand out one twice.
  std::uint64_t id = clock_.next(now);
  while (sent_.contains(id)) id = clock_.next(now);
  highest_sent_msg_id_ = std::max(highest_sent_msg_id_, id);
  return id;
}

std::uint32_t ClientSession::next_seq_no(bool content_related) {
  // facts §3.6: 2n+1 for content-related messages (then n grows), 2n otherwise.
  if (!content_related) return content_messages_ * 2;
  return content_messages_++ * 2 + 1;
}

}  // namespace tgd::mtproto
