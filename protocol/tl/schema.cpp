#include "protocol/tl/schema.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <utility>

#include "protocol/tl/declaration_id.hpp"

namespace tgd::tl {

// Id lookup is on the decoder's hot path (one per object), so it is an open-addressing table
// keyed by the id itself rather than a node-based unordered_map.
class IdTable {
 public:
  void build(const std::vector<Combinator>& cs) {
    std::size_t size = 16;
    while (size < cs.size() * 2) size *= 2;
    mask_ = size - 1;
    slots_.assign(size, Slot{0, kEmpty});
    for (std::uint32_t i = 0; i < cs.size(); ++i) {
      if (!cs[i].has_id) continue;
      std::size_t pos = hash(cs[i].id);
      while (slots_[pos].index != kEmpty) pos = (pos + 1) & mask_;
      slots_[pos] = Slot{cs[i].id, i};
    }
  }
  std::uint32_t find(std::uint32_t id) const {
    std::size_t pos = hash(id);
    while (true) {
      const Slot& s = slots_[pos];
      if (s.index == kEmpty) return kEmpty;
      if (s.id == id) return s.index;
      pos = (pos + 1) & mask_;
    }
  }
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();

 private:
  struct Slot {
    std::uint32_t id;
    std::uint32_t index;
  };
  std::size_t hash(std::uint32_t id) const { return (std::uint32_t{id} * 0x9E3779B1u >> 7) & mask_; }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

struct Schema::Tables {
  int layer = 0;
  std::vector<Combinator> combinators;
  std::vector<Type> types;
  std::vector<TypeRef> type_refs;
  IdTable ids;
  std::unordered_map<std::string_view, std::uint32_t> names;
  std::unordered_map<std::string_view, std::uint32_t> type_names;
};

namespace {

struct RawParam {
  std::string name;
  std::string type;  // as written, e.g. "flags.2?Vector<InputPeer>"
  std::string doc;
};

struct RawDecl {
  int line = 0;
  bool is_function = false;
  bool has_id = true;
  std::uint32_t id = 0;
  std::string name;
  std::vector<std::string> generics;
  std::vector<RawParam> params;
  std::string result;
  std::string doc;
  std::string text;
};

struct Failure {
  SchemaError error;
};

[[noreturn]] void fail(int line, std::string message) {
  throw Failure{SchemaError{line, std::move(message)}};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Doc comments in tgd's .tl files: `//@class T @description text`, `//@description text` and
// `//@param text` lines attach to the next declaration.
struct PendingDocs {
  std::string description;
  std::vector<std::pair<std::string, std::string>> params;
  void clear() {
    description.clear();
    params.clear();
  }
};

RawDecl parse_declaration(std::string_view text, int line, bool is_function, bool allow_no_id) {
  RawDecl d;
  d.line = line;
  d.is_function = is_function;
  d.text = std::string(text);
  auto eq = text.find(" = ");
  if (eq == std::string_view::npos) fail(line, "declaration without ' = Result'");
  d.result = std::string(trim(text.substr(eq + 3)));
  auto tokens = split_words(text.substr(0, eq));
  if (tokens.empty()) fail(line, "empty declaration");
  std::string_view head = tokens[0];
  if (auto hash = head.find('#'); hash != std::string_view::npos) {
    d.name = std::string(head.substr(0, hash));
    auto hex = head.substr(hash + 1);
    auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), d.id, 16);
    if (ec != std::errc{} || ptr != hex.data() + hex.size() || hex.empty() || hex.size() > 8)
      fail(line, "bad constructor id '" + std::string(hex) + "'");
  } else if (allow_no_id) {
    d.name = std::string(head);
    d.has_id = false;
  } else {
    fail(line, "declaration of '" + std::string(head) + "' has no #id");
  }
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    std::string_view tok = tokens[i];
    if (tok.front() == '{') {
      if (tok.back() != '}' || tok.find(':') == std::string_view::npos)
        fail(line, "bad generic '" + std::string(tok) + "'");
      auto colon = tok.find(':');
      if (tok.substr(colon + 1, tok.size() - colon - 2) != "Type")
        fail(line, "generic parameters must be of kind Type");
      d.generics.emplace_back(tok.substr(1, colon - 1));
      continue;
    }
    auto colon = tok.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == tok.size())
      fail(line, "bad parameter '" + std::string(tok) + "'");
    d.params.push_back(RawParam{std::string(tok.substr(0, colon)), std::string(tok.substr(colon + 1)), {}});
  }
  return d;
}

bool is_lower_name(std::string_view name) {
  auto dot = name.rfind('.');
  std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  return !last.empty() && last.front() >= 'a' && last.front() <= 'z';
}

class Resolver {
 public:
  explicit Resolver(Schema::Tables& t) : t_(t) {}

  TypeRef resolve(std::string_view type, const std::vector<std::string>& generics, int line) {
    if (auto p = primitive(type)) return *p;
    if (type.starts_with('!')) {
      auto name = type.substr(1);
      if (!is_generic(name, generics)) fail(line, "'!" + std::string(name) + "' names no generic parameter");
      return {Kind::Any, 0};
    }
    if (is_generic(type, generics) || type == "Object") return {Kind::Any, 0};
    for (auto [prefix, kind] : {std::pair{std::string_view("Vector<"), Kind::Vector},
                                std::pair{std::string_view("vector<"), Kind::BareVector}}) {
      if (type.starts_with(prefix)) {
        if (!type.ends_with('>')) fail(line, "unterminated '" + std::string(type) + "'");
        TypeRef elem = resolve(type.substr(prefix.size(), type.size() - prefix.size() - 1), generics, line);
        t_.type_refs.push_back(elem);
        return {kind, static_cast<std::uint32_t>(t_.type_refs.size() - 1)};
      }
    }
    if (type.starts_with('%')) {
      auto name = type.substr(1);
      auto it = t_.type_names.find(name);
      if (it == t_.type_names.end()) fail(line, "unknown type '" + std::string(name) + "'");
      const Type& ty = t_.types[it->second];
      if (ty.constructors.size() != 1)
        fail(line, "bare '%" + std::string(name) + "' needs exactly one constructor");
      return {Kind::Bare, ty.constructors.front()};
    }
    if (is_lower_name(type)) {
      auto it = t_.names.find(type);
      if (it == t_.names.end() || t_.combinators[it->second].is_function)
        fail(line, "unknown bare constructor '" + std::string(type) + "'");
      return {Kind::Bare, it->second};
    }
    auto it = t_.type_names.find(type);
    if (it == t_.type_names.end()) fail(line, "unknown type '" + std::string(type) + "'");
    return {Kind::Boxed, it->second};
  }

 private:
  static std::optional<TypeRef> primitive(std::string_view type) {
    static constexpr std::pair<std::string_view, Kind> kTable[] = {
        {"int", Kind::Int},       {"long", Kind::Long},     {"double", Kind::Double},
        {"int128", Kind::Int128}, {"int256", Kind::Int256}, {"string", Kind::String},
        {"bytes", Kind::Bytes},   {"Bool", Kind::Bool},     {"true", Kind::True},
        {"#", Kind::Flags},
    };
    for (auto [name, kind] : kTable)
      if (type == name) return TypeRef{kind, 0};
    return std::nullopt;
  }
  static bool is_generic(std::string_view name, const std::vector<std::string>& generics) {
    for (const auto& g : generics)
      if (g == name) return true;
    return false;
  }
  Schema::Tables& t_;
};

std::vector<RawDecl> read_declarations(std::string_view text, Schema::Tables& t,
                                       std::unordered_map<std::string, std::string>& type_docs) {
  std::vector<RawDecl> decls;
  bool functions = false;
  PendingDocs docs;
  int line_no = 0;
  std::string pending;  // a declaration may span lines until its ';'
  int pending_line = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.starts_with("//")) {
      std::string_view body = line.substr(2);
      if (body.starts_with("@special ")) {
        auto decl = trim(body.substr(9));
        if (!decl.ends_with(';')) fail(line_no, "special declaration without ';'");
        auto d = parse_declaration(decl.substr(0, decl.size() - 1), line_no, functions, true);
        d.doc = std::move(docs.description);
        docs.clear();
        decls.push_back(std::move(d));
      } else if (body.starts_with("@class ")) {
        auto rest = body.substr(7);
        auto sep = rest.find(" @description ");
        std::string name(trim(rest.substr(0, sep)));
        type_docs[name] = sep == std::string_view::npos ? "" : std::string(trim(rest.substr(sep + 14)));
      } else if (body.starts_with("@description ")) {
        docs.description = std::string(trim(body.substr(13)));
      } else if (body.starts_with('@')) {
        auto rest = body.substr(1);
        auto sp = rest.find(' ');
        docs.params.emplace_back(std::string(rest.substr(0, sp)),
                                 sp == std::string_view::npos ? "" : std::string(trim(rest.substr(sp + 1))));
      } else if (auto l = trim(body); l.starts_with("LAYER ")) {
        auto num = l.substr(6);
        std::from_chars(num.data(), num.data() + num.size(), t.layer);
      }
      continue;
    }
    if (line == "---functions---") {
      functions = true;
      continue;
    }
    if (line == "---types---") {
      functions = false;
      continue;
    }
    if (pending.empty()) pending_line = line_no;
    if (!pending.empty()) pending += ' ';
    pending += line;
    if (!line.ends_with(';')) continue;
    pending.pop_back();
    // The Vector builtin is TL syntax (`Vector<T>`), handled by the codec, not a combinator.
    if (pending.starts_with("vector#")) {
      pending.clear();
      docs.clear();
      continue;
    }
    auto d = parse_declaration(trim(pending), pending_line, functions, false);
    pending.clear();
    d.doc = std::move(docs.description);
    for (auto& [pname, pdoc] : docs.params) {
      // An argument called `description` is documented as //@param_description (tdlib's rule).
      std::string_view target = pname;
      if (target == "param_description") target = "description";
      for (auto& p : d.params)
        if (p.name == target) p.doc = std::move(pdoc);
    }
    docs.clear();
    decls.push_back(std::move(d));
  }
  if (!pending.empty()) fail(pending_line, "declaration without ';'");
  return decls;
}

void build(Schema::Tables& t, std::string_view text) {
  std::unordered_map<std::string, std::string> type_docs;
  auto decls = read_declarations(text, t, type_docs);

  // Pass 1: every combinator and every constructor's type gets an index, so that parameters can
  // refer to types declared later in the file.
  t.combinators.reserve(decls.size());
  for (auto& d : decls) {
    Combinator c;
    c.id = d.id;
    c.has_id = d.has_id;
    c.is_function = d.is_function;
    c.name = d.name;
    c.doc = std::move(d.doc);
    c.declaration = d.text;
    t.combinators.push_back(std::move(c));
  }
  std::unordered_map<std::string, std::uint32_t> type_index;
  for (std::uint32_t i = 0; i < decls.size(); ++i) {
    const auto& d = decls[i];
    if (d.is_function) continue;
    if (!d.generics.empty()) fail(d.line, "generic constructors are not supported");
    auto [it, inserted] = type_index.try_emplace(d.result, static_cast<std::uint32_t>(t.types.size()));
    if (inserted) {
      Type ty;
      ty.name = d.result;
      if (auto doc = type_docs.find(d.result); doc != type_docs.end()) ty.doc = doc->second;
      t.types.push_back(std::move(ty));
    }
    t.types[it->second].constructors.push_back(i);
    t.combinators[i].result = {Kind::Boxed, it->second};
  }
  for (std::uint32_t i = 0; i < t.combinators.size(); ++i) {
    const auto& c = t.combinators[i];
    if (!t.names.emplace(c.name, i).second) fail(decls[i].line, "duplicate name '" + c.name + "'");
  }
  for (std::uint32_t i = 0; i < t.types.size(); ++i) t.type_names.emplace(t.types[i].name, i);

  // Pass 2: resolve parameter and result types.
  Resolver resolver(t);
  for (std::uint32_t i = 0; i < decls.size(); ++i) {
    auto& d = decls[i];
    auto& c = t.combinators[i];
    for (auto& rp : d.params) {
      Param p;
      p.name = rp.name;
      p.doc = std::move(rp.doc);
      std::string_view type = rp.type;
      if (auto q = type.find('?'); q != std::string_view::npos) {
        auto cond = type.substr(0, q);
        auto dot = cond.find('.');
        if (dot == std::string_view::npos) fail(d.line, "bad condition '" + std::string(cond) + "'");
        auto field = cond.substr(0, dot);
        auto bit_text = cond.substr(dot + 1);
        unsigned bit = 0;
        auto [ptr, ec] = std::from_chars(bit_text.data(), bit_text.data() + bit_text.size(), bit);
        if (ec != std::errc{} || ptr != bit_text.data() + bit_text.size() || bit > 31)
          fail(d.line, "bad flag bit in '" + std::string(cond) + "'");
        int found = -1;
        for (std::size_t k = 0; k < c.params.size(); ++k)
          if (c.params[k].name == field && c.params[k].type.kind == Kind::Flags) found = static_cast<int>(k);
        if (found < 0) fail(d.line, "'" + std::string(field) + "' is not an earlier # parameter");
        p.flags_param = static_cast<std::int16_t>(found);
        p.bit = static_cast<std::uint8_t>(bit);
        type = type.substr(q + 1);
      }
      p.type = resolver.resolve(type, d.generics, d.line);
      if (p.type.kind == Kind::True && p.flags_param < 0)
        fail(d.line, "'" + p.name + ":true' must be conditional");
      if (p.type.kind == Kind::Flags && p.flags_param >= 0) fail(d.line, "conditional # parameter");
      c.params.push_back(std::move(p));
    }
    std::size_t flag_words = 0;
    for (const auto& p : c.params) flag_words += p.type.kind == Kind::Flags;
    if (flag_words > kMaxFlagWords)
      fail(d.line, "more than " + std::to_string(kMaxFlagWords) + " # parameters");
    if (c.params.size() > kMaxParams) fail(d.line, "more than " + std::to_string(kMaxParams) + " parameters");
    if (d.is_function) c.result = resolver.resolve(d.result, d.generics, d.line);
  }
  t.ids.build(t.combinators);
  for (std::uint32_t i = 0; i < t.combinators.size(); ++i) {
    const auto& c = t.combinators[i];
    if (c.has_id && t.ids.find(c.id) != i) fail(decls[i].line, "duplicate id of '" + c.name + "'");
  }
}

}  // namespace

std::variant<Schema, SchemaError> Schema::parse(std::string_view text) {
  auto tables = std::make_unique<Tables>();
  try {
    build(*tables, text);
  } catch (Failure& f) {
    return std::move(f.error);
  }
  return Schema(std::move(tables));
}

Schema::Schema(std::unique_ptr<Tables> tables) : t_(std::move(tables)) {}
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;
Schema::~Schema() = default;

int Schema::layer() const { return t_->layer; }
const std::vector<Combinator>& Schema::combinators() const { return t_->combinators; }
const std::vector<Type>& Schema::types() const { return t_->types; }
const std::vector<TypeRef>& Schema::type_refs() const { return t_->type_refs; }

const Combinator* Schema::find(std::uint32_t id) const {
  auto i = t_->ids.find(id);
  return i == IdTable::kEmpty ? nullptr : &t_->combinators[i];
}

const Combinator* Schema::find(std::string_view name) const {
  auto it = t_->names.find(name);
  return it == t_->names.end() ? nullptr : &t_->combinators[it->second];
}

const Type* Schema::find_type(std::string_view name) const {
  auto it = t_->type_names.find(name);
  return it == t_->type_names.end() ? nullptr : &t_->types[it->second];
}

std::string Schema::describe(const TypeRef& t) const {
  switch (t.kind) {
    case Kind::Int:
      return "int";
    case Kind::Long:
      return "long";
    case Kind::Double:
      return "double";
    case Kind::Int128:
      return "int128";
    case Kind::Int256:
      return "int256";
    case Kind::String:
      return "string";
    case Kind::Bytes:
      return "bytes";
    case Kind::Bool:
      return "Bool";
    case Kind::True:
      return "true";
    case Kind::Flags:
      return "#";
    case Kind::Vector:
      return "Vector<" + describe(element(t)) + ">";
    case Kind::BareVector:
      return "vector<" + describe(element(t)) + ">";
    case Kind::Boxed:
      return types()[t.index].name;
    case Kind::Bare:
      return "%" + combinators()[t.index].name;
    case Kind::Any:
      return "Object";
  }
  return "?";
}

}  // namespace tgd::tl
