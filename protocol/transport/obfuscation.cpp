#include "protocol/transport/obfuscation.hpp"

#include <algorithm>
#include <span>
#include <utility>

#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/secure_bytes.hpp"
#include "protocol/transport/detail/byte_order.hpp"

namespace tgd::transport {

namespace {

using Header = std::array<std::uint8_t, kObfuscationHeaderSize>;
using HeaderView = std::span<const std::uint8_t, kObfuscationHeaderSize>;
// Header-sized key material, wiped when released.
using SecretHeader = crypto::SecureArray<kObfuscationHeaderSize>;

constexpr std::size_t kKeyOffset = 8;
constexpr std::size_t kIvOffset = 40;
constexpr std::size_t kTagOffset = 56;
constexpr std::size_t kDcIdOffset = 60;
constexpr int kMaxAttempts = 64;

// §1.7 step 1: what a server would read as another transport's opening bytes.
bool looks_like_another_transport(HeaderView init) {
  if (init[0] == 0xef) return true;  // abridged tag
  switch (detail::load_le32(init.data())) {
    case 0x44414548u:  // "HEAD"
    case 0x54534f50u:  // "POST"
    case 0x20544547u:  // "GET "
    case 0x4954504fu:  // "OPTI"
    case 0x02010316u:  // TLS record start (fake-TLS MTProxy)
    case 0xddddddddu:  // padded intermediate tag
    case 0xeeeeeeeeu:  // intermediate tag
      return true;
    default:
      break;
  }
  return detail::load_le32(init.data() + 4) == 0;  // Full's first packet has seq 0 there
}

// One direction's stream from key material laid out as in the header (key at 8..40, IV at
// 40..56), with the MTProxy secret mixed into the key (§1.7 steps 4-5).
crypto::AesCtr256 make_stream(HeaderView material, const std::optional<MtproxySecret>& secret) {
  const auto key = material.subspan<kKeyOffset, 32>();
  const auto iv = material.subspan<kIvOffset, 16>();
  if (!secret) return crypto::AesCtr256(key, iv);
  crypto::SecureArray<32> mixed;
  crypto::Sha256().digest_into({key, ByteSpan(*secret)}, mixed.mutable_span());
  return crypto::AesCtr256(mixed.span(), iv);
}

// Both streams; `forward` is the header as the client generated (or the server received) it.
// The client encrypts with the forward keys and decrypts with the reversed ones (§1.7 step 4).
ObfuscationStreams make_streams(HeaderView forward, Side side, const std::optional<MtproxySecret>& secret) {
  SecretHeader reverse;
  std::reverse_copy(forward.begin(), forward.end(), reverse.begin());
  crypto::AesCtr256 client_to_server = make_stream(forward, secret);
  crypto::AesCtr256 server_to_client = make_stream(reverse.span(), secret);
  if (side == Side::Client) return {std::move(client_to_server), std::move(server_to_client)};
  return {std::move(server_to_client), std::move(client_to_server)};
}

std::optional<Framing> framing_of_tag(ByteSpan tag) {
  for (Framing f : {Framing::Abridged, Framing::Intermediate, Framing::PaddedIntermediate}) {
    if (std::equal(tag.begin(), tag.end(), obfuscation_tag(f)->begin())) return f;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ClientObfuscation> make_client_obfuscation(Framing framing, std::int16_t dc_id,
                                                         const std::optional<MtproxySecret>& secret,
                                                         const RandomSource& random) {
  const auto tag = obfuscation_tag(framing);
  if (!tag) return std::nullopt;
  SecretHeader init;
  int attempts = 0;
  do {
    if (++attempts > kMaxAttempts) return std::nullopt;
    fill_random(random, init.mutable_span());
  } while (looks_like_another_transport(init.span()));

  std::copy(tag->begin(), tag->end(), init.begin() + kTagOffset);
  const auto dc = static_cast<std::uint16_t>(dc_id);
  init[kDcIdOffset] = static_cast<std::uint8_t>(dc);
  init[kDcIdOffset + 1] = static_cast<std::uint8_t>(dc >> 8);

  ClientObfuscation result{Header{}, make_streams(init.span(), Side::Client, secret)};
  // Encrypt the whole header, which brings the send stream to position 64, but send bytes 0..56
  // in clear: the server derives the keys from them (§1.7 step 7).
  SecretHeader encrypted = init;
  result.streams.encrypt.apply_in_place(encrypted.mutable_span());
  std::copy(init.begin(), init.begin() + kTagOffset, result.header.begin());
  std::copy(encrypted.begin() + kTagOffset, encrypted.end(), result.header.begin() + kTagOffset);
  return result;
}

std::optional<ServerObfuscation> accept_client_obfuscation(ByteSpan header,
                                                           const std::optional<MtproxySecret>& secret) {
  if (header.size() != kObfuscationHeaderSize) return std::nullopt;
  const HeaderView received = header.first<kObfuscationHeaderSize>();
  ObfuscationStreams streams = make_streams(received, Side::Server, secret);
  // Decrypting the header also brings the receive stream to position 64, where the client's
  // first payload byte is.
  SecretHeader plain(received);
  streams.decrypt.apply_in_place(plain.mutable_span());
  const auto framing = framing_of_tag(ByteSpan(plain).subspan(kTagOffset, 4));
  if (!framing) return std::nullopt;
  const auto dc = static_cast<std::uint16_t>(plain[kDcIdOffset] | plain[kDcIdOffset + 1] << 8);
  return ServerObfuscation{*framing, static_cast<std::int16_t>(dc), std::move(streams)};
}

}  // namespace tgd::transport
