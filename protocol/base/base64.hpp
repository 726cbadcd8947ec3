#pragma once
// Base64 (RFC 4648) for TL bytes in tgd's JSON form. Encoding uses the standard alphabet with
// padding; decoding also accepts the URL-safe alphabet and missing padding, since scripts paste
// values from Bot API links (tg://login?token=...) that use it.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/base/bytes.hpp"

namespace tgd {

std::size_t base64_encoded_size(std::size_t n);
// Writes base64_encoded_size(data.size()) characters to out.
void base64_encode_to(ByteSpan data, char* out);
std::string base64_encode(ByteSpan data);

// Decodes into out (appending). Returns false on an invalid character, bad padding or non-zero
// trailing bits; out is then left with unspecified extra bytes appended.
bool base64_decode_append(std::string_view text, Bytes& out);
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace tgd
