#include <doctest/doctest.h>

#include <string>

#include "protocol/tl/embedded_schema.hpp"

using namespace tgd::tl;

namespace {
int count(const Schema& s, bool functions) {
  int n = 0;
  for (const auto& c : s.combinators()) n += c.is_function == functions;
  return n;
}

SchemaError parse_error(std::string_view text) {
  auto parsed = Schema::parse(text);
  REQUIRE(std::holds_alternative<SchemaError>(parsed));
  return std::get<SchemaError>(parsed);
}
}  // namespace

TEST_CASE("the embedded API schema is layer 223 with every constructor, method and type") {
  auto schemas = load_embedded_schemas();
  const Schema& api = schemas.api;
  CHECK(api.layer() == 223);
  // 1,550 constructors counting the `vector` builtin, which is TL syntax rather than a combinator.
  CHECK(count(api, false) == 1549);
  CHECK(count(api, true) == 766);
  CHECK(api.types().size() == 584);  // 585 with `Vector t`
  CHECK(count(schemas.mtproto, false) == 41);
  CHECK(count(schemas.mtproto, true) == 10);
}

TEST_CASE("schema lookups by id and by name agree and resolve parameter types") {
  auto schemas = load_embedded_schemas();
  const Schema& api = schemas.api;
  const Combinator* send = api.find("messages.sendMessage");
  REQUIRE(send);
  CHECK(send->is_function);
  CHECK(api.find(send->id) == send);
  CHECK(api.describe(send->result) == "Updates");
  CHECK(!send->doc.empty());

  const Combinator* diff = api.find(0x19c2f763u);
  REQUIRE(diff);
  CHECK(diff->name == "updates.getDifference");
  // flags:# pts:int pts_limit:flags.1?int pts_total_limit:flags.0?int date:int qts:int ...
  REQUIRE(diff->params.size() >= 6);
  CHECK(diff->params[0].type.kind == Kind::Flags);
  CHECK(diff->params[2].name == "pts_limit");
  CHECK(diff->params[2].flags_param == 0);
  CHECK(diff->params[2].bit == 1);

  const Combinator* layer = api.find("invokeWithLayer");
  REQUIRE(layer);
  CHECK(layer->params[1].type.kind == Kind::Any);
  CHECK(layer->result.kind == Kind::Any);

  const Combinator* ids = api.find("contacts.getContactIDs");
  REQUIRE(ids);
  CHECK(api.describe(ids->result) == "Vector<int>");

  const Type* peer = api.find_type("InputPeer");
  REQUIRE(peer);
  CHECK(peer->constructors.size() >= 7);
  CHECK(!peer->doc.empty());
}

TEST_CASE("an argument named description keeps its own doc apart from the entry's") {
  auto schemas = load_embedded_schemas();
  for (const auto& c : schemas.api.combinators())
    for (const auto& p : c.params)
      if (p.name == "description" && !p.doc.empty()) {
        CHECK(p.doc != c.doc);
        return;
      }
  FAIL("no documented argument named description");
}

TEST_CASE("the MTProto schema resolves bare constructors and the id-less message") {
  auto schemas = load_embedded_schemas();
  const Schema& mt = schemas.mtproto;
  const Combinator* container = mt.find(0x73f1f8dcu);
  REQUIRE(container);
  CHECK(mt.describe(container->params[0].type) == "vector<%message>");
  const Combinator* message = mt.find("message");
  REQUIRE(message);
  CHECK_FALSE(message->has_id);
  const Combinator* salts = mt.find("future_salts");
  REQUIRE(salts);
  CHECK(mt.describe(salts->params[2].type) == "vector<%future_salt>");
  CHECK(mt.find("req_pq_multi")->is_function);
}

TEST_CASE("schema parser reports malformed declarations with their line") {
  auto e = parse_error("a#1 = A;\nb#2 x:Unknown = B;\n");
  CHECK(e.line == 2);
  CHECK(e.message.find("Unknown") != std::string::npos);
  CHECK(parse_error("a#zz = A;").message.find("id") != std::string::npos);
  CHECK(parse_error("a#1 x:flags.0?int = A;").message.find("flags") != std::string::npos);
  CHECK(parse_error("a#1 flags:# x:flags.40?int = A;").message.find("bit") != std::string::npos);
  CHECK(parse_error("a#1 = A;\na#2 = A;").message.find("duplicate") != std::string::npos);
  CHECK(parse_error("a#1 = A;\nb#1 = A;").message.find("duplicate id") != std::string::npos);
  CHECK(parse_error("a#1 x:%A = A;\nb#2 = A;").message.find("exactly one") != std::string::npos);
  CHECK(parse_error("a#1 x:int").line == 1);
  CHECK(parse_error("a#1 f:# g:# h:# = A;").message.find("# parameters") != std::string::npos);
  CHECK(parse_error("a x:int = A;").message.find("no #id") != std::string::npos);
}

TEST_CASE("schema parser accepts ids with leading zeros and multi-line declarations") {
  auto parsed =
      Schema::parse("resPQ#05162463 nonce:int128\n  pq:bytes = ResPQ;\n---functions---\nf#1 = ResPQ;");
  REQUIRE(std::holds_alternative<Schema>(parsed));
  const auto& s = std::get<Schema>(parsed);
  REQUIRE(s.find(0x05162463u));
  CHECK(s.find(0x05162463u)->params.size() == 2);
  CHECK(s.find("f")->is_function);
}
