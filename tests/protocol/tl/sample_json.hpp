#pragma once
// Generates a JSON sample for any constructor or method of a schema, for round-trip tests and the
// codec benchmark. Deterministic: the same schema and seed give the same text.
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/tl/schema.hpp"

namespace tgd::tl::testing {

enum class Optionals { All, None };

class SampleJson {
 public:
  explicit SampleJson(const Schema& schema, std::uint32_t seed = 1);
  // {"_":"name", ...} with every required field and, with Optionals::All, every optional one.
  std::string combinator(const Combinator& c, Optionals optionals);

 private:
  void object(const Combinator& c, Optionals optionals, int depth, std::string& out);
  void value(const TypeRef& t, int depth, std::string& out);
  const Combinator& pick(const Type& type, int depth);
  std::uint32_t next();

  const Schema& schema_;
  std::uint32_t state_;
  std::vector<int> rank_;  // per type: how deep its shallowest constructor must nest
};

}  // namespace tgd::tl::testing
