#include "protocol/crypto/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <new>

namespace tgd::crypto {
namespace {

constexpr int kAutoDetectFraming = MAX_WBITS + 32;  // inflate: zlib or gzip header
constexpr std::size_t kMaxChunk = UINT_MAX;         // zlib's avail_in/avail_out are uInt

// z_stream with its matching End call.
struct InflateStream {
  z_stream zs{};
  InflateStream() {
    if (inflateInit2(&zs, kAutoDetectFraming) != Z_OK) throw std::bad_alloc();
  }
  ~InflateStream() { inflateEnd(&zs); }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
};

// A window and hash no larger than the input needs. zlib's defaults (32 KiB window, 64 Ki hash
// entries: ~270 KiB allocated and largely zeroed per stream) cost 14–66 µs per call for the
// 1–4 KiB payloads MTProto compresses (containers of updates), against ~2 µs of actual deflating;
// a window covering the whole input loses nothing in ratio (no match can reach further back).
struct DeflateStream {
  z_stream zs{};
  DeflateStream(int level, std::size_t input_size) {
    int window_bits = 9;  // zlib's smallest window for deflate: 512 bytes
    while (window_bits < MAX_WBITS && (std::size_t{1} << window_bits) < input_size) ++window_bits;
    const int mem_level = std::clamp(window_bits - 6, 1, 8);  // the hash grows with the window
    if (deflateInit2(&zs, level, Z_DEFLATED, window_bits + 16, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::bad_alloc();
  }
  ~DeflateStream() { deflateEnd(&zs); }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
};

// Hands zlib the next piece of input (zlib counts in uInt).
void feed(z_stream& zs, ByteSpan data, std::size_t& fed) {
  if (zs.avail_in != 0 || fed == data.size()) return;
  const std::size_t n = std::min(kMaxChunk, data.size() - fed);
  zs.next_in = const_cast<Bytef*>(data.data() + fed);  // zlib's API is not const-correct
  zs.avail_in = static_cast<uInt>(n);
  fed += n;
}

}  // namespace

std::optional<Bytes> gzip_decompress(ByteSpan compressed, std::size_t max_size) {
  if (compressed.empty()) return std::nullopt;
  InflateStream stream;
  z_stream& zs = stream.zs;
  // Output grows geometrically, never beyond max_size + 1: one byte more than allowed proves the
  // limit is exceeded without inflating the rest.
  const std::size_t limit = max_size == SIZE_MAX ? max_size : max_size + 1;
  Bytes out(std::min(limit, std::max<std::size_t>(compressed.size() * 4, 256)));
  std::size_t produced = 0, fed = 0;
  for (;;) {
    feed(zs, compressed, fed);
    if (produced == out.size()) {
      if (out.size() == limit) return std::nullopt;
      out.resize(std::min(limit, out.size() * 2));
    }
    const std::size_t room = std::min(kMaxChunk, out.size() - produced);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(room);
    const int status = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (status == Z_STREAM_END) {
      if (produced > max_size || zs.avail_in != 0 || fed != compressed.size()) return std::nullopt;
      out.resize(produced);
      return out;
    }
    if (status == Z_MEM_ERROR) throw std::bad_alloc();
    if (status != Z_OK && status != Z_BUF_ERROR) return std::nullopt;  // Z_DATA_ERROR, Z_NEED_DICT
    // No progress possible: all input consumed, output space left, stream not finished.
    if (zs.avail_in == 0 && fed == compressed.size() && zs.avail_out != 0) return std::nullopt;
  }
}

Bytes gzip_compress(ByteSpan data, int level) {
  DeflateStream stream(std::clamp(level, 0, 9), data.size());
  z_stream& zs = stream.zs;
  Bytes out(deflateBound(&zs, static_cast<uLong>(data.size())));
  std::size_t produced = 0, fed = 0;
  for (;;) {
    feed(zs, data, fed);
    if (produced == out.size()) out.resize(out.size() * 2);
    const std::size_t room = std::min(kMaxChunk, out.size() - produced);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(room);
    const int status = deflate(&zs, fed == data.size() ? Z_FINISH : Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (status == Z_STREAM_END) break;
    if (status != Z_OK && status != Z_BUF_ERROR) throw std::bad_alloc();  // only memory can fail here
  }
  out.resize(produced);
  return out;
}

}  // namespace tgd::crypto
