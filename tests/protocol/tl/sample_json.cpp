#include "sample_json.hpp"

#include <algorithm>

#include "protocol/base/base64.hpp"

namespace tgd::tl::testing {
namespace {
constexpr int kSpreadDepth = 3;  // below this, constructors rotate; deeper, the shallowest is used
constexpr int kUnranked = 1 << 20;
}  // namespace

SampleJson::SampleJson(const Schema& schema, std::uint32_t seed) : schema_(schema), state_(seed) {
  // Fixpoint: a type's rank is 1 + the deepest required field of its shallowest constructor.
  // Vectors can be empty and optionals omitted, so they never force depth.
  rank_.assign(schema.types().size(), kUnranked);
  auto field_rank = [&](const TypeRef& t) -> int {
    if (t.kind == Kind::Boxed) return rank_[t.index];
    if (t.kind == Kind::Bare) return rank_[schema.combinators()[t.index].result.index];
    return 0;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t ti = 0; ti < schema.types().size(); ++ti) {
      for (auto ci : schema.types()[ti].constructors) {
        int deepest = 0;
        for (const auto& p : schema.combinators()[ci].params)
          if (p.flags_param < 0) deepest = std::max(deepest, field_rank(p.type));
        if (deepest < kUnranked && deepest + 1 < rank_[ti]) {
          rank_[ti] = deepest + 1;
          changed = true;
        }
      }
    }
  }
}

std::uint32_t SampleJson::next() {
  state_ = state_ * 1664525u + 1013904223u;
  return state_ >> 8;
}

std::string SampleJson::combinator(const Combinator& c, Optionals optionals) {
  std::string out;
  object(c, optionals, 0, out);
  return out;
}

const Combinator& SampleJson::pick(const Type& type, int depth) {
  const auto& cs = type.constructors;
  if (depth < kSpreadDepth) return schema_.combinators()[cs[next() % cs.size()]];
  const Combinator* best = nullptr;
  int best_rank = kUnranked + 1;
  for (auto ci : cs) {
    int deepest = 0;
    for (const auto& p : schema_.combinators()[ci].params) {
      if (p.flags_param >= 0) continue;
      if (p.type.kind == Kind::Boxed) deepest = std::max(deepest, rank_[p.type.index]);
      if (p.type.kind == Kind::Bare)
        deepest = std::max(deepest, rank_[schema_.combinators()[p.type.index].result.index]);
    }
    if (deepest < best_rank) {
      best_rank = deepest;
      best = &schema_.combinators()[ci];
    }
  }
  return *best;
}

void SampleJson::object(const Combinator& c, Optionals optionals, int depth, std::string& out) {
  out += "{\"_\":\"" + c.name + "\"";
  for (const auto& p : c.params) {
    if (p.type.kind == Kind::Flags) continue;
    if (p.flags_param >= 0 && (optionals == Optionals::None || depth >= kSpreadDepth)) continue;
    out += ",\"" + p.name + "\":";
    value(p.type, depth + 1, out);
  }
  out += '}';
}

void SampleJson::value(const TypeRef& t, int depth, std::string& out) {
  std::uint32_t r = next();
  switch (t.kind) {
    case Kind::Int:
      out += std::to_string(static_cast<std::int32_t>(r * 2654435761u));
      break;
    case Kind::Long:
      out +=
          "\"" + std::to_string(static_cast<std::int64_t>(std::uint64_t{r} * 0x9E3779B97F4A7C15ull)) + "\"";
      break;
    case Kind::Double:
      out += std::to_string(r % 1000) + ".25";
      break;
    case Kind::Int128:
    case Kind::Int256: {
      Bytes b(t.kind == Kind::Int128 ? 16 : 32);
      for (auto& x : b) x = static_cast<std::uint8_t>(next());
      out += "\"" + base64_encode(b) + "\"";
      break;
    }
    case Kind::String:
      // Quotes, escapes, multi-byte and astral characters; sometimes long enough for 0xfe lengths.
      out += r % 7 == 0 ? "\"" + std::string(300, 'x') + "\"" : "\"h\\u00e9llo \\\"tg\\\" \\n ✓ 😀\"";
      break;
    case Kind::Bytes: {
      Bytes b(r % 5 == 0 ? 260 : r % 13);
      for (auto& x : b) x = static_cast<std::uint8_t>(next());
      out += "\"" + base64_encode(b) + "\"";
      break;
    }
    case Kind::Bool:
      out += r % 2 ? "true" : "false";
      break;
    case Kind::True:
      out += "true";
      break;
    case Kind::Flags:
      break;
    case Kind::Vector:
    case Kind::BareVector: {
      int n = depth >= kSpreadDepth ? 0 : 2;
      out += '[';
      for (int i = 0; i < n; ++i) {
        if (i) out += ',';
        value(schema_.element(t), depth + 1, out);
      }
      out += ']';
      break;
    }
    case Kind::Boxed:
      object(pick(schema_.types()[t.index], depth), Optionals::All, depth, out);
      break;
    case Kind::Bare:
      object(schema_.combinators()[t.index], Optionals::All, depth, out);
      break;
    case Kind::Any: {
      // Any constructor or method will do; a method keeps generic wrappers realistic.
      const Combinator* c = schema_.find("help.getConfig");
      if (!c) c = schema_.find("ping");
      object(*c, Optionals::All, depth, out);
      break;
    }
  }
}

}  // namespace tgd::tl::testing
