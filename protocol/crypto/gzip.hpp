#pragma once
// gzip_packed payloads (facts §3.11): Telethon and our test DC send gzip framing (1f 8b), tdlib and
// mtcute a zlib stream (78 ..). Decompression detects either; compression writes gzip.
#include <cstddef>
#include <optional>

#include "protocol/base/bytes.hpp"

namespace tgd::crypto {

// Inflates one complete gzip or zlib stream. nullopt if the input is corrupt or truncated, has
// bytes after the end of the stream, or would inflate to more than max_size bytes; memory use
// stays within max_size (+1 byte) whatever the input claims, so a gzip bomb fails cleanly.
std::optional<Bytes> gzip_decompress(ByteSpan compressed, std::size_t max_size);

// Deflates data with gzip framing. level 0 (store) .. 9 (smallest); out-of-range levels are clamped.
Bytes gzip_compress(ByteSpan data, int level = 6);

}  // namespace tgd::crypto
