#include "protocol/tl/json_to_tl.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "protocol/base/base64.hpp"
#include "protocol/tl/codec_path.hpp"
#include "protocol/tl/tl_buffer.hpp"
#include "protocol/tl/wire.hpp"

namespace tgd::tl {
namespace {

using detail::fail;
using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view json_type_name(element_type t) {
  switch (t) {
    case element_type::ARRAY:
      return "array";
    case element_type::OBJECT:
      return "object";
    case element_type::INT64:
    case element_type::UINT64:
      return "integer";
    case element_type::DOUBLE:
      return "number";
    case element_type::STRING:
      return "string";
    case element_type::BOOL:
      return "boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "value";
}

[[noreturn]] void wrong_type(std::string_view expected, const element& v) {
  fail("expected " + std::string(expected) + ", got " + std::string(json_type_name(v.type())));
}

// TlWriter, failing the encode on a string or bytes value longer than TL allows.
class Writer : public TlWriter {
 public:
  using TlWriter::TlWriter;
  void bytes(ByteSpan b) {
    if (!TlWriter::bytes(b)) fail("length " + std::to_string(b.size()) + " exceeds 2^24-1 bytes");
  }
};

std::int64_t parse_int64_text(std::string_view s) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) fail("\"" + std::string(s) + "\" does not fit long");
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty())
    fail("expected a decimal integer string, got \"" + std::string(s.substr(0, 40)) + "\"");
  return v;
}

class Encoder {
 public:
  Encoder(const Schema& schema, Bytes& out) : schema_(schema), w_(out) {}

  void value(const element& v, const TypeRef& type, int depth) {
    switch (type.kind) {
      case Kind::Int:
        return w_.u32(static_cast<std::uint32_t>(int32(v)));
      case Kind::Long:
        return w_.u64(static_cast<std::uint64_t>(int64(v)));
      case Kind::Double:
        return w_.u64(double_bits(v));
      case Kind::Int128:
        return w_.raw(fixed_bytes(v, 16));
      case Kind::Int256:
        return w_.raw(fixed_bytes(v, 32));
      case Kind::String:
        return w_.bytes(as_bytes(string(v, "string")));
      case Kind::Bytes:
        return w_.bytes(base64(v));
      case Kind::Bool:
        return w_.u32(boolean(v, "Bool") ? wire::kBoolTrue : wire::kBoolFalse);
      case Kind::True:
        if (!boolean(v, "true")) fail("expected true");
        return;
      case Kind::Flags:
        fail("a # field outside a constructor");
      case Kind::Vector:
        w_.u32(wire::kVector);
        [[fallthrough]];
      case Kind::BareVector:
        return vector(v, schema_.element(type), depth);
      case Kind::Boxed:
      case Kind::Any:
        return boxed(v, type, depth);
      case Kind::Bare:
        return object(v, schema_.combinators()[type.index], depth);
    }
  }

  // A call: `params` holds the method's fields; "_", if given, must name the method.
  void call(const Combinator& method, const element& params) {
    w_.u32(method.id);
    object(params, method, 0);
  }

 private:
  void boxed(const element& v, const TypeRef& type, int depth) {
    if (depth > kMaxNesting) fail("nesting deeper than " + std::to_string(kMaxNesting));
    if (v.type() != element_type::OBJECT) wrong_type(expectation(type), v);
    std::string_view name;
    const Combinator* c = nullptr;
    if (v["_"].get_string().get(name) == simdjson::SUCCESS) {
      c = schema_.find(name);
      if (!c || !c->has_id) fail("unknown constructor \"" + std::string(name.substr(0, 64)) + "\"");
      if (type.kind == Kind::Boxed && (c->is_function || c->result.index != type.index))
        fail("expected " + schema_.types()[type.index].name + ", got " +
             (c->is_function ? "method \"" : "constructor \"") + c->name + "\"");
    } else if (v["_"].error() != simdjson::NO_SUCH_FIELD) {
      fail("\"_\" must be a string naming a constructor");
    } else if (type.kind == Kind::Boxed && schema_.types()[type.index].constructors.size() == 1) {
      c = &schema_.combinators()[schema_.types()[type.index].constructors.front()];
    } else {
      fail("missing \"_\": name the " + expectation(type) + " constructor");
    }
    if (!c->has_id) fail(c->name + " has no constructor id and cannot stand as a boxed value");
    w_.u32(c->id);
    object(v, *c, depth);
  }

  std::string expectation(const TypeRef& type) const {
    return type.kind == Kind::Boxed ? schema_.types()[type.index].name : "an object with \"_\"";
  }

  void vector(const element& v, const TypeRef& elem, int depth) {
    simdjson::dom::array items;
    if (v.get_array().get(items) != simdjson::SUCCESS) wrong_type("array", v);
    w_.u32(static_cast<std::uint32_t>(items.size()));
    std::size_t i = 0;
    for (element item : items) {
      detail::within_index(i++, [&] { value(item, elem, depth + 1); });
    }
  }

  void object(const element& v, const Combinator& c, int depth) {
    if (depth > kMaxNesting) fail("nesting deeper than " + std::to_string(kMaxNesting));
    simdjson::dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) wrong_type("object for " + c.name, v);
    const auto& params = c.params;
    const std::size_t n = params.size();
    // The fields given, by parameter index, in a slice of a reused stack (nested objects take
    // the slices above it), so no per-object allocation or zeroing of a large array.
    const std::size_t base = slots_top_;
    slots_top_ += n;
    if (slots_.size() < slots_top_) slots_.resize(slots_top_ * 2);
    std::array<bool, kMaxParams> present;
    std::fill_n(present.begin(), n, false);
    std::size_t hint = 0;  // JSON written by tgd lists fields in declaration order: try the next one first
    for (auto field : obj) {
      if (field.key == "_") {
        std::string_view name;
        if (field.value.get_string().get(name) != simdjson::SUCCESS || name != c.name)
          fail("\"_\" must be \"" + c.name + "\" here");
        continue;
      }
      std::size_t k = find_param(params, field.key, hint);
      if (k == n) fail("unknown field \"" + std::string(field.key.substr(0, 64)) + "\" for " + c.name);
      hint = k + 1;
      if (present[k]) fail("field \"" + params[k].name + "\" given twice");
      present[k] = true;
      slots_[base + k] = field.value;
    }
    // Flag words: a bit is set when any field conditional on it is present; every non-`true`
    // field sharing a set bit must then be present too (account.password's srp_* fields).
    std::array<std::uint32_t, kMaxParams> words;
    std::fill_n(words.begin(), n, 0u);
    for (std::size_t k = 0; k < n; ++k) {
      const Param& p = params[k];
      if (!present[k]) continue;
      const element& value = slots_[base + k];
      // A given flag word is ignored (computed below); null means absent; false unsets a flag.
      if (p.type.kind == Kind::Flags || value.is_null()) {
        present[k] = false;
        continue;
      }
      if (p.type.kind == Kind::True) {
        bool set;
        if (value.get_bool().get(set) != simdjson::SUCCESS)
          detail::within(p.name, [&] { wrong_type("true or false", value); });
        present[k] = set;
      }
      if (p.flags_param >= 0 && present[k]) words[p.flags_param] |= 1u << p.bit;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const Param& p = params[k];
      if (p.type.kind == Kind::Flags) {
        w_.u32(words[k]);
        continue;
      }
      if (!present[k]) {
        if (p.flags_param < 0) fail("missing required field \"" + p.name + "\" of " + c.name);
        if (p.type.kind != Kind::True && (words[p.flags_param] >> p.bit & 1))
          fail("missing field \"" + p.name + "\": it shares " + params[p.flags_param].name + "." +
               std::to_string(p.bit) + " with a field that is given");
        continue;
      }
      if (p.type.kind == Kind::True) continue;
      const element given = slots_[base + k];  // a copy: nested objects may grow slots_
      detail::within(p.name, [&] { value(given, p.type, depth + 1); });
    }
    slots_top_ = base;
  }

  static std::size_t find_param(const std::vector<Param>& params, std::string_view key, std::size_t hint) {
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t k = hint + i < n ? hint + i : hint + i - n;
      if (params[k].name == key) return k;
    }
    return n;
  }

  std::int32_t int32(const element& v) {
    std::int64_t i;
    if (v.get_int64().get(i) != simdjson::SUCCESS) {
      if (v.type() == element_type::UINT64)
        fail(std::to_string(v.get_uint64().value_unsafe()) + " does not fit int");
      wrong_type("int", v);
    }
    if (i < std::numeric_limits<std::int32_t>::min() || i > std::numeric_limits<std::int32_t>::max())
      fail(std::to_string(i) + " does not fit int");
    return static_cast<std::int32_t>(i);
  }

  std::int64_t int64(const element& v) {
    std::int64_t i;
    if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
    if (v.type() == element_type::UINT64)
      fail(std::to_string(v.get_uint64().value_unsafe()) + " does not fit long");
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) return parse_int64_text(s);
    wrong_type("long (a decimal string or an integer)", v);
  }

  std::uint64_t double_bits(const element& v) {
    double d;
    if (v.get_double().get(d) != simdjson::SUCCESS) {  // get_double also converts integers
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) wrong_type("double", v);
      if (s == "NaN")
        d = std::numeric_limits<double>::quiet_NaN();
      else if (s == "Infinity")
        d = std::numeric_limits<double>::infinity();
      else if (s == "-Infinity")
        d = -std::numeric_limits<double>::infinity();
      else
        fail("expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
    }
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    return bits;
  }

  static std::string_view string(const element& v, std::string_view what) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) wrong_type(what, v);
    return s;
  }

  static bool boolean(const element& v, std::string_view what) {
    bool b;
    if (v.get_bool().get(b) != simdjson::SUCCESS) wrong_type(what, v);
    return b;
  }

  ByteSpan base64(const element& v) {
    std::string_view s = string(v, "base64 string");
    scratch_.clear();
    if (!base64_decode_append(s, scratch_)) fail("invalid base64");
    return scratch_;
  }

  ByteSpan fixed_bytes(const element& v, std::size_t n) {
    ByteSpan b = base64(v);
    if (b.size() != n)
      fail("expected " + std::to_string(n) + " bytes (base64), got " + std::to_string(b.size()));
    return b;
  }

  const Schema& schema_;
  Writer w_;
  Bytes scratch_;  // decoded base64, reused: the writer copies it out at once
  std::vector<element> slots_;
  std::size_t slots_top_ = 0;
};

}  // namespace

struct JsonToTl::Parser {
  simdjson::dom::parser parser;
};

JsonToTl::JsonToTl(const Schema& schema) : schema_(schema), parser_(std::make_unique<Parser>()) {}
JsonToTl::~JsonToTl() = default;

namespace {
template <typename F>
std::optional<CodecError> guarded(Bytes& out, std::string_view root, F&& f) {
  const std::size_t mark = out.size();
  try {
    f();
  } catch (detail::CodecFailure& failure) {
    out.resize(mark);
    return detail::to_error(std::move(failure), root);
  }
  return std::nullopt;
}
}  // namespace

std::optional<CodecError> JsonToTl::encode(const element& value, const TypeRef& type, Bytes& out,
                                           std::string_view root) const {
  return guarded(out, root, [&] { Encoder(schema_, out).value(value, type, 0); });
}

std::optional<CodecError> JsonToTl::encode_object(const element& value, Bytes& out,
                                                  std::string_view root) const {
  return encode(value, TypeRef{Kind::Any, 0}, out, root);
}

std::optional<CodecError> JsonToTl::encode_call(std::string_view method, const element& params, Bytes& out,
                                                std::string_view root) const {
  const Combinator* c = schema_.find(method);
  if (!c || !c->is_function)
    return CodecError{"", "unknown method \"" + std::string(method.substr(0, 64)) + "\""};
  return guarded(out, root, [&] { Encoder(schema_, out).call(*c, params); });
}

std::optional<CodecError> JsonToTl::encode_text(std::string_view json, const TypeRef& type, Bytes& out,
                                                std::string_view root) {
  element doc;
  if (auto err = parser_->parser.parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS)
    return CodecError{std::string(root), std::string("invalid JSON: ") + simdjson::error_message(err)};
  return encode(doc, type, out, root);
}

std::optional<CodecError> JsonToTl::encode_object_text(std::string_view json, Bytes& out,
                                                       std::string_view root) {
  return encode_text(json, TypeRef{Kind::Any, 0}, out, root);
}

}  // namespace tgd::tl
