#pragma once
// The TL schema as compact tables: every constructor and method with its parameters resolved to
// TypeRefs, looked up by id or by name. Parsed at start-up from the committed .tl text (see
// bench/RESULTS.md for why start-up parsing was chosen over generated tables).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace tgd::tl {

enum class Kind : std::uint8_t {
  Int,
  Long,
  Double,
  Int128,
  Int256,
  String,
  Bytes,
  Bool,        // boxed Bool (boolTrue/boolFalse), JSON true/false
  True,        // the bare `true` type: no bytes; as flags.N?true it is the bit alone
  Flags,       // `#`: computed from the fields present
  Vector,      // boxed Vector<elem>
  BareVector,  // bare vector<elem>
  Boxed,       // a boxed object of one polymorphic type (any of its constructors)
  Bare,        // a bare constructor (%T or a lower-case constructor name)
  Any,         // `Object` or a generic `!X`: any boxed constructor or method
};

struct TypeRef {
  Kind kind = Kind::Any;
  // Boxed: index into Schema::types(); Bare: index into Schema::combinators();
  // Vector/BareVector: index of the element TypeRef in Schema::type_refs().
  std::uint32_t index = 0;
};

struct Param {
  std::string name;
  TypeRef type;
  // For `name:flags.N?T`: the index (in params) of the `#` parameter and the bit; -1 otherwise.
  std::int16_t flags_param = -1;
  std::uint8_t bit = 0;
  std::string doc;
};

// The codec keeps per-parameter state in fixed arrays; the widest constructor of layer 223
// (channelFull) has 67 parameters.
inline constexpr std::size_t kMaxParams = 128;
// `#` parameters per combinator: layer 223 has at most two (flags, flags2).
inline constexpr std::size_t kMaxFlagWords = 2;

struct Combinator {
  std::uint32_t id = 0;
  bool has_id = true;  // false only for MTProto's id-less `message` (inside msg_container)
  bool is_function = false;
  std::string name;
  std::vector<Param> params;
  // Constructors: Boxed(type). Methods: the declared result (Any for generic `= X`).
  TypeRef result;
  std::string doc;
  std::string declaration;  // canonical text as in the .tl file, without the trailing ';'
};

struct Type {
  std::string name;
  std::vector<std::uint32_t> constructors;  // indices into Schema::combinators()
  std::string doc;
};

struct SchemaError {
  int line = 0;
  std::string message;
};

class Schema {
 public:
  // Parses canonical TL text (types section, then ---functions---; tgd doc comments). Every type
  // mentioned must be declared. Returns the error with its line on failure.
  static std::variant<Schema, SchemaError> parse(std::string_view text);

  Schema(Schema&&) noexcept;
  Schema& operator=(Schema&&) noexcept;
  ~Schema();

  int layer() const;  // from a `// LAYER N` line, 0 if absent
  const std::vector<Combinator>& combinators() const;
  const std::vector<Type>& types() const;
  const std::vector<TypeRef>& type_refs() const;

  const Combinator* find(std::uint32_t id) const;       // constructors and methods
  const Combinator* find(std::string_view name) const;  // constructors and methods
  const Type* find_type(std::string_view name) const;
  std::uint32_t index_of(const Combinator& c) const {
    return static_cast<std::uint32_t>(&c - combinators().data());
  }
  const TypeRef& element(const TypeRef& vector) const { return type_refs()[vector.index]; }
  // "Vector<InputPeer>", "%Message", "int", ... for error messages and help output.
  std::string describe(const TypeRef& t) const;

  struct Tables;  // defined in schema.cpp

 private:
  explicit Schema(std::unique_ptr<Tables> tables);
  std::unique_ptr<Tables> t_;
};

}  // namespace tgd::tl
