#include "protocol/mtproto/server/outbox.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/tl/tl_buffer.hpp"

namespace tgd::mtproto::server {
namespace {

constexpr std::size_t kMsgIdOffset = 16;  // salt, session_id, then msg_id (facts §3.1)
constexpr std::size_t kSeqNoOffset = 24;
constexpr std::size_t kLengthOffset = 28;
constexpr std::size_t kItemHeaderSize = 16;  // msg_id, seqno, bytes (facts §3.11)
constexpr std::size_t kContainerHeaderSize = 8;

void begin_plaintext(Bytes& out, const Sealer& s, std::uint64_t msg_id, std::uint32_t seq_no) {
  out.clear();
  tl::TlWriter w(out);
  w.i64(s.salt);
  w.i64(s.session_id);
  w.u64(msg_id);
  w.u32(seq_no);
  w.u32(0);  // length, patched
}

// Patches the length, pads to 12..27 bytes so the total is a multiple of 16 (facts §3.1), encrypts.
Bytes seal(const Sealer& s, Bytes& plaintext) {
  const std::size_t unpadded = plaintext.size();
  tl::TlWriter(plaintext).patch_u32(kLengthOffset,
                                    static_cast<std::uint32_t>(unpadded - kPlaintextHeaderSize));
  const std::size_t total = (unpadded + kMinPadding + 15) & ~std::size_t{15};
  plaintext.resize(total);
  s.random(MutableByteSpan(plaintext.data() + unpadded, total - unpadded));
  Bytes packet(crypto::kEncryptedHeaderSize + total);
  (void)s.cipher.encrypt_to(s.key, crypto::Direction::kServerToClient, plaintext, packet);  // sizes are right
  return packet;
}

}  // namespace

std::optional<OutgoingMessage> Outbox::take_answer(std::uint64_t req_msg_id) {
  const auto it = std::find_if(queue_.begin(), queue_.end(), [&](const OutgoingMessage& m) {
    return m.role == OutgoingMessage::Role::kAnswer && m.req_msg_id == req_msg_id;
  });
  if (it == queue_.end()) return std::nullopt;
  OutgoingMessage m = std::move(*it);
  queue_.erase(it);
  return m;
}

std::size_t Outbox::packet_end(std::size_t first) const {
  std::size_t end = first + 1;
  if (queue_[first].standalone) return end;
  std::size_t bytes = kContainerHeaderSize + kItemHeaderSize + queue_[first].body.size();
  while (end < queue_.size() && end - first < max_messages_ && !queue_[end].standalone) {
    bytes += kItemHeaderSize + queue_[end].body.size();
    if (bytes > max_bytes_) break;
    ++end;
  }
  return end;
}

void Outbox::flush(const Sealer& sealer, UnixNanos now, std::vector<Bytes>& packets, std::vector<Sent>& sent,
                   Counters& counters) {
  Bytes& plaintext = sealer.scratch;
  for (std::size_t first = 0; first < queue_.size();) {
    const std::size_t end = packet_end(first);
    const std::size_t sent_before = sent.size();
    if (end - first == 1) {
      OutgoingMessage& m = queue_[first];
      const std::uint64_t msg_id = clock_.next(now, m.kind);
      begin_plaintext(plaintext, sealer, msg_id, take_seq_no(m.content_related));
      plaintext.insert(plaintext.end(), m.body.begin(), m.body.end());
      sent.push_back({msg_id, std::move(m)});
    } else {
      begin_plaintext(plaintext, sealer, 0, 0);
      ContainerWriter container(plaintext);
      for (std::size_t i = first; i < end; ++i) {
        OutgoingMessage& m = queue_[i];
        const std::uint64_t msg_id = clock_.next(now, m.kind);
        container.add(msg_id, take_seq_no(m.content_related), m.body);
        sent.push_back({msg_id, std::move(m)});
      }
      container.finish();
      // The container comes after its items: a greater msg_id, and an even seq_no not below theirs.
      const std::uint64_t container_id = clock_.next(now, MsgIdKind::ServerOther);
      const std::uint32_t container_seq_no = take_seq_no(false);
      std::memcpy(plaintext.data() + kMsgIdOffset, &container_id, 8);
      std::memcpy(plaintext.data() + kSeqNoOffset, &container_seq_no, 4);
      ++counters.containers_out;
    }
    packets.push_back(seal(sealer, plaintext));
    ++counters.packets_out;
    counters.bytes_out += packets.back().size();
    counters.messages_out += sent.size() - sent_before;
    first = end;
  }
  queue_.clear();
}

}  // namespace tgd::mtproto::server
