#include "protocol/tl/tl_to_json.hpp"

#include <simdjson.h>
#include <zlib.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "protocol/base/base64.hpp"
#include "protocol/tl/codec_path.hpp"
#include "protocol/tl/json_escape.hpp"
#include "protocol/tl/wire.hpp"

namespace tgd::tl {
namespace {

using detail::fail;

std::string hex_id(std::uint32_t id) {
  char buf[11] = "0x";
  auto res = std::to_chars(buf + 2, buf + sizeof buf, id, 16);
  return std::string(buf, res.ptr);
}

class Reader {
 public:
  explicit Reader(ByteSpan in) : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }

  void need(std::size_t n) const {
    if (remaining() < n)
      fail("unexpected end of input at byte " + std::to_string(offset()) + ": need " + std::to_string(n) +
           ", have " + std::to_string(remaining()));
  }
  std::uint32_t u32() {
    need(4);
    std::uint32_t v;
    std::memcpy(&v, p_, 4);
    p_ += 4;
    return v;
  }
  std::uint64_t u64() {
    need(8);
    std::uint64_t v;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return v;
  }
  ByteSpan raw(std::size_t n) {
    need(n);
    ByteSpan s(p_, n);
    p_ += n;
    return s;
  }
  // TL string/bytes: length prefix, data, zero padding to a multiple of 4.
  ByteSpan bytes() {
    need(1);
    std::size_t len = p_[0];
    std::size_t header = 1;
    if (len == 254) {
      need(4);
      len = std::size_t{p_[1]} | std::size_t{p_[2]} << 8 | std::size_t{p_[3]} << 16;
      header = 4;
    } else if (len == 255) {
      fail("invalid string length marker 0xff at byte " + std::to_string(offset()));
    }
    std::size_t total = (header + len + 3) & ~std::size_t{3};
    need(total);
    ByteSpan s(p_ + header, len);
    p_ += total;
    return s;
  }

 private:
  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

std::size_t min_wire_size(const Schema& schema, const TypeRef& t) {
  switch (t.kind) {
    case Kind::Long:
    case Kind::Double: return 8;
    case Kind::Int128: return 16;
    case Kind::Int256: return 32;
    case Kind::True: return 0;
    case Kind::Bare: return schema.combinators()[t.index].params.empty() ? 0 : 4;
    default: return 4;
  }
}

class Decoder {
 public:
  Decoder(const Schema& schema, const DecodeOptions& options, std::string& out)
      : schema_(schema), options_(options), out_(out) {}

  void value(Reader& in, const TypeRef& type, int depth) {
    switch (type.kind) {
      case Kind::Int: write_int(static_cast<std::int32_t>(in.u32())); break;
      case Kind::Long: write_long(static_cast<std::int64_t>(in.u64())); break;
      case Kind::Double: write_double(in.u64()); break;
      case Kind::Int128: write_base64(in.raw(16)); break;
      case Kind::Int256: write_base64(in.raw(32)); break;
      case Kind::String: write_string(in.bytes()); break;
      case Kind::Bytes: write_base64(in.bytes()); break;
      case Kind::Bool: boxed(in, type, depth); break;
      case Kind::True: out_.append("true"); break;
      case Kind::Flags: fail("a # field outside a constructor");
      case Kind::Vector:
      case Kind::BareVector:
      case Kind::Boxed:
      case Kind::Any:
        if (type.kind == Kind::BareVector) {
          vector_body(in, schema_.element(type), depth);
        } else {
          boxed(in, type, depth);
        }
        break;
      case Kind::Bare: object(in, schema_.combinators()[type.index], depth); break;
    }
  }

 private:
  // A value that starts with a constructor id: Bool, Vector, a polymorphic type or Object.
  void boxed(Reader& in, const TypeRef& type, int depth) {
    if (depth > kMaxNesting) fail("nesting deeper than " + std::to_string(kMaxNesting));
    std::uint32_t id = in.u32();
    if (id == wire::kGzipPacked) return unpack(in, type, depth);
    switch (type.kind) {
      case Kind::Bool:
        if (id == wire::kBoolTrue) return void(out_.append("true"));
        if (id == wire::kBoolFalse) return void(out_.append("false"));
        fail("expected Bool, got constructor id " + hex_id(id));
      case Kind::Vector:
        if (id != wire::kVector) fail("expected Vector, got constructor id " + hex_id(id));
        return vector_body(in, schema_.element(type), depth);
      default: break;
    }
    const Combinator* c = schema_.find(id);
    if (!c) fail("unknown constructor id " + hex_id(id));
    if (type.kind == Kind::Boxed && (c->is_function || c->result.index != type.index))
      fail("expected " + schema_.types()[type.index].name + ", got " +
           (c->is_function ? "method \"" : "constructor \"") + c->name + "\"");
    object(in, *c, depth);
  }

  void unpack(Reader& in, const TypeRef& type, int depth) {
    Bytes unpacked = inflate(in.bytes());
    Reader inner(unpacked);
    detail::within("gzip_packed", [&] {
      value(inner, type, depth + 1);
      if (inner.remaining() != 0)
        fail(std::to_string(inner.remaining()) + " trailing bytes after the packed value");
    });
  }

  Bytes inflate(ByteSpan packed) const {
    Bytes out;
    z_stream z{};
    // 15 + 32: accept both gzip (Telethon, Telegram) and zlib (tdlib, mtcute) framing.
    if (inflateInit2(&z, 15 + 32) != Z_OK) fail("gzip_packed: zlib initialisation failed");
    z.next_in = const_cast<Bytef*>(packed.data());
    z.avail_in = static_cast<uInt>(packed.size());
    int rc = Z_OK;
    std::array<std::uint8_t, 16384> chunk;
    while (rc == Z_OK) {
      z.next_out = chunk.data();
      z.avail_out = static_cast<uInt>(chunk.size());
      rc = ::inflate(&z, Z_NO_FLUSH);
      std::size_t produced = chunk.size() - z.avail_out;
      if (out.size() + produced > options_.max_unpacked_size) {
        inflateEnd(&z);
        fail("gzip_packed: unpacked data exceeds " + std::to_string(options_.max_unpacked_size) + " bytes");
      }
      out.insert(out.end(), chunk.data(), chunk.data() + produced);
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) fail("gzip_packed: corrupt or truncated compressed data");
    return out;
  }

  void vector_body(Reader& in, const TypeRef& elem, int depth) {
    std::uint32_t count = in.u32();
    std::size_t min_size = min_wire_size(schema_, elem);
    if (count > in.remaining() || (min_size > 0 && count > in.remaining() / min_size))
      fail("vector length " + std::to_string(count) + " is larger than the input");
    out_.push_back('[');
    for (std::uint32_t i = 0; i < count; ++i) {
      if (i) out_.push_back(',');
      detail::within_index(i, [&] { value(in, elem, depth + 1); });
    }
    out_.push_back(']');
  }

  void object(Reader& in, const Combinator& c, int depth) {
    if (depth > kMaxNesting) fail("nesting deeper than " + std::to_string(kMaxNesting));
    out_.append("{\"_\":\"");
    out_.append(c.name);
    out_.push_back('"');
    // Values of this combinator's # fields, by parameter index (at most two in practice).
    std::array<std::pair<std::size_t, std::uint32_t>, 4> flags{};
    std::size_t nflags = 0;
    const auto& params = c.params;
    for (std::size_t k = 0; k < params.size(); ++k) {
      const Param& p = params[k];
      if (p.type.kind == Kind::Flags) {
        if (nflags == flags.size()) fail("too many # fields in " + c.name);
        flags[nflags++] = {k, in.u32()};
        continue;
      }
      if (p.flags_param >= 0) {
        std::uint32_t word = 0;
        for (std::size_t f = 0; f < nflags; ++f)
          if (flags[f].first == static_cast<std::size_t>(p.flags_param)) word = flags[f].second;
        if (!(word >> p.bit & 1)) continue;
      }
      out_.append(",\"");
      out_.append(p.name);
      out_.append("\":");
      detail::within(p.name, [&] { value(in, p.type, depth + 1); });
    }
    out_.push_back('}');
  }

  void write_int(std::int32_t v) {
    char buf[16];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void write_long(std::int64_t v) {
    char buf[24];
    buf[0] = '"';
    auto r = std::to_chars(buf + 1, buf + sizeof buf - 1, v);
    *r.ptr++ = '"';
    out_.append(buf, r.ptr);
  }
  void write_double(std::uint64_t bits) {
    double d;
    std::memcpy(&d, &bits, 8);
    if (std::isnan(d)) return void(out_.append("\"NaN\""));
    if (std::isinf(d)) return void(out_.append(d > 0 ? "\"Infinity\"" : "\"-Infinity\""));
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, r.ptr);
  }
  void write_base64(ByteSpan data) {
    out_.push_back('"');
    std::size_t at = out_.size();
    out_.resize(at + base64_encoded_size(data.size()));
    base64_encode_to(data, out_.data() + at);
    out_.push_back('"');
  }
  void write_string(ByteSpan data) {
    std::string_view text = as_chars(data);
    if (!simdjson::validate_utf8(text)) fail("string is not valid UTF-8");
    append_json_string(text, out_);
  }

  const Schema& schema_;
  const DecodeOptions& options_;
  std::string& out_;
};

}  // namespace

TlToJson::TlToJson(const Schema& schema, DecodeOptions options) : schema_(schema), options_(options) {}

std::optional<CodecError> TlToJson::decode(ByteSpan input, const TypeRef& type, std::string& out,
                                           std::string_view root) const {
  const std::size_t mark = out.size();
  try {
    Reader in(input);
    Decoder(schema_, options_, out).value(in, type, 0);
    if (in.remaining() != 0)
      fail(std::to_string(in.remaining()) + " trailing bytes after the value (at byte " +
           std::to_string(in.offset()) + ")");
  } catch (detail::CodecFailure& failure) {
    out.resize(mark);
    return detail::to_error(std::move(failure), root);
  }
  return std::nullopt;
}

std::optional<CodecError> TlToJson::decode_object(ByteSpan input, std::string& out, std::string_view root) const {
  return decode(input, TypeRef{Kind::Any, 0}, out, root);
}

std::optional<CodecError> TlToJson::decode_result(const Combinator& method, ByteSpan input, std::string& out,
                                                  std::string_view root) const {
  return decode(input, method.result, out, root);
}

}  // namespace tgd::tl
