#include "protocol/tl/tl_to_json.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "protocol/base/base64.hpp"
#include "protocol/crypto/gzip.hpp"
#include "protocol/tl/codec_path.hpp"
#include "protocol/tl/json_out.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "protocol/tl/wire.hpp"

namespace tgd::tl {
namespace {

using detail::fail;

std::string hex_id(std::uint32_t id) {
  char buf[11] = "0x";
  auto res = std::to_chars(buf + 2, buf + sizeof buf, id, 16);
  return std::string(buf, res.ptr);
}

// The codec's view of TlReader: every shortfall becomes an error that says where.
class Reader {
 public:
  explicit Reader(ByteSpan in) : r_(in) {}

  std::size_t remaining() const { return r_.remaining(); }
  std::size_t offset() const { return r_.offset(); }

  std::uint32_t u32() {
    need(4);
    return r_.u32();
  }
  std::uint64_t u64() {
    need(8);
    return r_.u64();
  }
  ByteSpan raw(std::size_t n) {
    need(n);
    return r_.raw(n);
  }
  ByteSpan bytes() {
    const std::size_t at = r_.offset();
    ByteSpan b = r_.bytes();
    if (!r_.ok()) fail("truncated or malformed string at byte " + std::to_string(at));
    return b;
  }

 private:
  void need(std::size_t n) const {
    if (r_.remaining() < n)
      fail("unexpected end of input at byte " + std::to_string(r_.offset()) + ": need " + std::to_string(n) +
           ", have " + std::to_string(r_.remaining()));
  }
  TlReader r_;
};

std::size_t min_wire_size(const Schema& schema, const TypeRef& t) {
  switch (t.kind) {
    case Kind::Long:
    case Kind::Double:
      return 8;
    case Kind::Int128:
      return 16;
    case Kind::Int256:
      return 32;
    case Kind::True:
      return 0;
    case Kind::Bare:
      return schema.combinators()[t.index].params.empty() ? 0 : 4;
    default:
      return 4;
  }
}

class Decoder {
 public:
  Decoder(const Schema& schema, const DecodeOptions& options, const TlToJson::Keys& keys, JsonOut& out)
      : schema_(schema), options_(options), keys_(keys), out_(out) {}

  void value(Reader& in, const TypeRef& type, int depth) {
    switch (type.kind) {
      case Kind::Int:
        return write_int(static_cast<std::int32_t>(in.u32()));
      case Kind::Long:
        return write_long(static_cast<std::int64_t>(in.u64()));
      case Kind::Double:
        return write_double(in.u64());
      case Kind::Int128:
        return out_.quoted_base64(in.raw(16));
      case Kind::Int256:
        return out_.quoted_base64(in.raw(32));
      case Kind::String:
        return write_string(in.bytes());
      case Kind::Bytes:
        return out_.quoted_base64(in.bytes());
      case Kind::True:
        return out_.put("true");
      case Kind::Flags:
        fail("a # field outside a constructor");
      case Kind::BareVector:
        return vector_body(in, schema_.element(type), depth);
      case Kind::Bool:
      case Kind::Vector:
      case Kind::Boxed:
      case Kind::Any:
        return boxed(in, type, depth);
      case Kind::Bare:
        return object(in, schema_.combinators()[type.index], depth);
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
        if (id == wire::kBoolTrue) return out_.put("true");
        if (id == wire::kBoolFalse) return out_.put("false");
        fail("expected Bool, got constructor id " + hex_id(id));
      case Kind::Vector:
        if (id != wire::kVector) fail("expected Vector, got constructor id " + hex_id(id));
        return vector_body(in, schema_.element(type), depth);
      default:
        break;
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
    auto unpacked = crypto::gzip_decompress(packed, options_.max_unpacked_size);
    if (!unpacked)
      fail("gzip_packed: corrupt, truncated, or larger than " + std::to_string(options_.max_unpacked_size) +
           " bytes unpacked");
    return std::move(*unpacked);
  }

  void vector_body(Reader& in, const TypeRef& elem, int depth) {
    std::uint32_t count = in.u32();
    std::size_t min_size = min_wire_size(schema_, elem);
    if (count > in.remaining() || (min_size > 0 && count > in.remaining() / min_size))
      fail("vector length " + std::to_string(count) + " is larger than the input");
    out_.put('[');
    for (std::uint32_t i = 0; i < count; ++i) {
      if (i) out_.put(',');
      detail::within_index(i, [&] { value(in, elem, depth + 1); });
    }
    out_.put(']');
  }

  void object(Reader& in, const Combinator& c, int depth) {
    if (depth > kMaxNesting) fail("nesting deeper than " + std::to_string(kMaxNesting));
    const std::uint32_t ci = schema_.index_of(c);
    put_piece(keys_.heads[ci]);
    const TlToJson::Field* fields = keys_.fields.data() + keys_.first_field[ci];
    std::uint32_t words[kMaxFlagWords] = {};  // the combinator's `#` fields, in order
    std::size_t nwords = 0;
    for (std::size_t k = 0, n = c.params.size(); k < n; ++k) {
      const TlToJson::Field& f = fields[k];
      if (f.type.kind == Kind::Flags) {
        words[nwords++] = in.u32();
        continue;
      }
      if (f.flag_word >= 0 && !(words[f.flag_word] >> f.bit & 1)) continue;
      put_piece(f.key);
      detail::within(c.params[k].name, [&] { value(in, f.type, depth + 1); });
    }
    out_.put('}');
  }

  void put_piece(TlToJson::Piece piece) { out_.put_short(keys_.arena.data() + piece.offset, piece.size); }

  void write_int(std::int32_t v) {
    out_.reserve(12);
    auto r = std::to_chars(out_.cursor(), out_.cursor() + 12, v);
    out_.advance(static_cast<std::size_t>(r.ptr - out_.cursor()));
  }
  void write_long(std::int64_t v) {
    out_.reserve(22);
    char* p = out_.cursor();
    *p = '"';
    auto r = std::to_chars(p + 1, p + 21, v);
    *r.ptr = '"';
    out_.advance(static_cast<std::size_t>(r.ptr + 1 - p));
  }
  void write_double(std::uint64_t bits) {
    double d;
    std::memcpy(&d, &bits, 8);
    if (std::isnan(d)) return out_.put("\"NaN\"");
    if (std::isinf(d)) return out_.put(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    out_.reserve(32);
    auto r = std::to_chars(out_.cursor(), out_.cursor() + 32, d);
    out_.advance(static_cast<std::size_t>(r.ptr - out_.cursor()));
  }
  void write_string(ByteSpan data) {
    std::string_view text = as_chars(data);
    if (!is_ascii(data) && !simdjson::validate_utf8(text)) fail("string is not valid UTF-8");
    out_.quoted_string(text);
  }
  // Most strings are short ASCII; checking that inline avoids a dispatched call per string.
  static bool is_ascii(ByteSpan data) {
    std::size_t i = 0;
    std::uint64_t acc = 0;
    for (; i + 8 <= data.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, data.data() + i, 8);
      acc |= w;
    }
    for (; i < data.size(); ++i) acc |= data[i];
    return (acc & 0x8080808080808080ull) == 0;
  }

  const Schema& schema_;
  const DecodeOptions& options_;
  const TlToJson::Keys& keys_;
  JsonOut& out_;
};

}  // namespace

TlToJson::TlToJson(const Schema& schema, DecodeOptions options) : schema_(schema), options_(options) {
  auto add = [&](const std::string& text) {
    Piece piece{static_cast<std::uint32_t>(keys_.arena.size()), static_cast<std::uint32_t>(text.size())};
    keys_.arena += text;
    return piece;
  };
  for (const auto& c : schema.combinators()) {
    keys_.heads.push_back(add("{\"_\":\"" + c.name + "\""));
    keys_.first_field.push_back(static_cast<std::uint32_t>(keys_.fields.size()));
    std::vector<std::size_t> flag_params;  // indices of the `#` parameters, in order
    for (std::size_t k = 0; k < c.params.size(); ++k) {
      const Param& p = c.params[k];
      Field f{p.type, add(",\"" + p.name + "\":")};
      if (p.type.kind == Kind::Flags) flag_params.push_back(k);
      for (std::size_t w = 0; w < flag_params.size(); ++w)
        if (p.flags_param == static_cast<std::int16_t>(flag_params[w]))
          f.flag_word = static_cast<std::int8_t>(w);
      f.bit = p.bit;
      keys_.fields.push_back(f);
    }
  }
  keys_.arena.append(JsonOut::kShortPiece, ' ');  // slack for put_short's over-reads
}

std::optional<CodecError> TlToJson::decode(ByteSpan input, const TypeRef& type, std::string& out,
                                           std::string_view root) const {
  // JSON is typically 2-3 times the size of the TL it comes from.
  JsonOut json(out, input.size() * 3);
  try {
    Reader in(input);
    Decoder(schema_, options_, keys_, json).value(in, type, 0);
    if (in.remaining() != 0)
      fail(std::to_string(in.remaining()) + " trailing bytes after the value (at byte " +
           std::to_string(in.offset()) + ")");
  } catch (detail::CodecFailure& failure) {
    json.abandon();
    return detail::to_error(std::move(failure), root);
  }
  json.finish();
  return std::nullopt;
}

std::optional<CodecError> TlToJson::decode_object(ByteSpan input, std::string& out,
                                                  std::string_view root) const {
  return decode(input, TypeRef{Kind::Any, 0}, out, root);
}

std::optional<CodecError> TlToJson::decode_result(const Combinator& method, ByteSpan input, std::string& out,
                                                  std::string_view root) const {
  return decode(input, method.result, out, root);
}

}  // namespace tgd::tl
