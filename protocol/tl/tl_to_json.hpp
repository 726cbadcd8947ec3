#pragma once
// TL bytes -> tgd's JSON form, for any type of the schema.
//
// JSON form: an object is {"_":"name", "field":value, ...} with fields in declaration order;
// int64 values are JSON strings; bytes, int128 and int256 are base64; Bool is true/false;
// flags.N?true fields appear as true only when set; absent optional fields and the `#` flag
// words themselves are omitted. gzip_packed is unpacked wherever a boxed value may stand.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "protocol/base/bytes.hpp"
#include "protocol/tl/codec_error.hpp"
#include "protocol/tl/schema.hpp"

namespace tgd::tl {

struct DecodeOptions {
  // Largest unpacked gzip_packed body accepted; a bigger one is an error, not an allocation.
  std::size_t max_unpacked_size = 32u << 20;
};

class TlToJson {
 public:
  explicit TlToJson(const Schema& schema, DecodeOptions options = {});

  // Decodes exactly one value of `type` that must span all of `input`, appending JSON to `out`.
  // On error `out` is left as it was, and the error's path starts at `root`.
  std::optional<CodecError> decode(ByteSpan input, const TypeRef& type, std::string& out,
                                   std::string_view root = "") const;
  // A boxed constructor or method of any type.
  std::optional<CodecError> decode_object(ByteSpan input, std::string& out, std::string_view root = "") const;
  // The answer to `method` (its declared result type; for generic wrappers such as
  // invokeWithLayer, pass the innermost method).
  std::optional<CodecError> decode_result(const Combinator& method, ByteSpan input, std::string& out,
                                          std::string_view root = "result") const;

  // Pre-rendered JSON pieces (`{"_":"name"` per combinator, `,"field":` per parameter) in one
  // arena with slack at the end, so short pieces are copied with fixed-size moves that may read
  // past their end (see JsonOut::put_short).
  struct Piece {
    std::uint32_t offset;
    std::uint32_t size;
  };
  // What the decoder needs of one parameter, packed (a Param is five times larger and mostly
  // strings): the type, the pre-rendered key, and for conditional fields which flag word
  // (0 = the combinator's first `#`, 1 = its second) and bit.
  struct Field {
    TypeRef type;
    Piece key;
    std::int8_t flag_word = -1;  // -1: unconditional
    std::uint8_t bit = 0;
  };
  struct Keys {
    std::string arena;
    std::vector<Piece> heads;                // by combinator index
    std::vector<std::uint32_t> first_field;  // by combinator index, into fields
    std::vector<Field> fields;
  };

 private:
  const Schema& schema_;
  DecodeOptions options_;
  Keys keys_;
};

}  // namespace tgd::tl
