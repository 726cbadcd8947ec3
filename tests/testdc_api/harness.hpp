#pragma once
// Drives the test DC's Api directly, without sockets: a World with three DCs, one Api per DC,
// "clients" that are (DC, auth key id, session id) triples. Queries are tgd JSON encoded with the
// TL codec; answers are decoded with the method's result type and parsed for the checks.
#include <simdjson.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/tl/embedded_schema.hpp"
#include "tests/testdc/api.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::testdc::testing {

struct Client {
  int dc = 0;
  std::uint64_t auth_key_id = 0;
  std::int64_t session_id = 0;
  bool inited = false;            // sent initConnection already
  std::uint64_t last_msg_id = 0;  // of its last call (the harness numbers every call, ≡ 0 mod 4)
  SessionRef session() const { return SessionRef{dc, auth_key_id, session_id}; }
};

// One answer: the decoded JSON, or the rpc error.
struct Answer {
  std::string json;
  ApiError error;
  bool ok = false;
  bool waiting = false;  // invokeAfterMsg(s): no answer yet (it comes as a late answer)
  std::shared_ptr<simdjson::dom::parser> parser = std::make_shared<simdjson::dom::parser>();
  simdjson::dom::element root;

  simdjson::dom::element at(std::string_view pointer) const { return root.at_pointer(pointer).value(); }
  std::string str(std::string_view pointer) const { return std::string(at(pointer).get_string().value()); }
  std::int64_t num(std::string_view pointer) const { return at(pointer).get_int64().value(); }
  // A long field (a JSON string in tgd's form) as a number.
  std::int64_t id(std::string_view pointer) const { return std::stoll(str(pointer)); }
  bool has(std::string_view pointer) const {
    simdjson::dom::element e;
    return root.at_pointer(pointer).get(e) == simdjson::SUCCESS;
  }
  std::size_t size(std::string_view pointer) const { return at(pointer).get_array().value().size(); }
  std::string type() const { return str("/_"); }
};

// A push the World handed to a session (decoded as Updates).
struct Pushed {
  SessionRef session;
  std::chrono::milliseconds delay{0};
  Answer updates;
  Bytes bytes;  // as sent
};

class Harness {
 public:
  explicit Harness(int dcs = 3, UpdateOptions updates = {});

  World& world() { return world_; }
  Client client(int dc);  // a fresh auth key on `dc`
  // Calls `method` with `params` (a JSON object without "_"). The client's first call is wrapped in
  // invokeWithLayer(223, initConnection(...)) unless `init` is false.
  Answer call(Client& c, std::string_view method, std::string_view params = "{}", bool init = true);
  // The same call wrapped in invokeWithoutUpdates.
  Answer call_without_updates(Client& c, std::string_view method, std::string_view params = "{}");
  // The same call wrapped in invokeAfterMsg (one id) or invokeAfterMsgs (otherwise), outermost. The
  // answer is `waiting` when the query waits: it then comes in `late`.
  Answer call_after(Client& c, const std::vector<std::uint64_t>& after, std::string_view method,
                    std::string_view params = "{}", bool init = true);
  // A query given whole as tgd JSON (wrappers and all), answered as `method`.
  Answer call_json(Client& c, std::string_view method, std::string_view query);
  // The msg_id the client's next call will have (to name it before it is sent).
  std::uint64_t next_msg_id() const { return next_msg_id_; }

  // Answers given late (queries that waited), in order, with the msg_id they answer.
  struct Late {
    Client client;
    std::uint64_t msg_id = 0;
    Answer answer;
  };
  std::vector<Late> late;
  // The answer to `msg_id` among `late` (removed), or nullopt.
  std::optional<Answer> take_late(std::uint64_t msg_id);
  // Runs DC `dc`'s waiting queries' timeouts as if it were `now` (their deadline is 0.5 s after the
  // call, on the steady clock).
  void expire(int dc, std::chrono::steady_clock::time_point now);
  Api& api(int dc) { return *apis_.at(static_cast<std::size_t>(dc - 1)); }

  // Pushes so far, in order; take_pushes(c) removes and returns those to c's session.
  std::vector<Pushed> pushes;
  std::vector<Pushed> take_pushes(const Client& c);
  // Another session on the same auth key (same login).
  Client sibling(const Client& c);

  // Logins through the API.
  Answer login_bot(Client& c, std::string_view token);
  // sendCode + signIn (+ signUp with `first_name` if the number is new).
  Answer login_phone(Client& c, std::string_view phone, std::string_view first_name = "Test");
  // A logged-in user created directly, with a fresh client on its home DC.
  Client user(std::string_view phone, std::string first_name, std::int64_t* id = nullptr);

  std::int64_t access_hash(std::int64_t viewer, std::int64_t user_id) {
    return world_.access_hash(viewer, PeerRef{PeerRef::Kind::kUser, user_id});
  }
  std::int64_t channel_hash(std::int64_t viewer, std::int64_t channel_id) {
    return world_.access_hash(viewer, PeerRef{PeerRef::Kind::kChannel, channel_id});
  }

  // How DC `dc`'s last answer is to be given (file faults: delay, dropped connection).
  const AnswerHints& last_hints(int dc) const {
    return apis_.at(static_cast<std::size_t>(dc - 1))->last_hints();
  }

  std::vector<std::string> encoding_failures;  // INTERNAL_TEST_DC_* seen (must stay empty)

 private:
  tl::Schemas schemas_;
  World world_;
  std::vector<DcEndpoint> endpoints_;
  std::vector<std::unique_ptr<Api>> apis_;
  tl::JsonToTl encoder_;
  tl::TlToJson decoder_;
  Answer decode(std::string_view method, const ApiResult& result);
  Answer send(Client& c, std::string_view method, std::string_view query, bool init);
  void collect_late(int dc);

  std::uint64_t next_key_ = 0x1000;
  std::uint64_t next_msg_id_ = 0x10000;  // every call's msg_id, any client: increasing, ≡ 0 mod 4
  std::string wrapper_;                  // "" or a wrapper method around the next call's query
  std::optional<std::vector<std::uint64_t>> after_;  // the next call's invokeAfterMsg(s), if any
  struct Sent {
    Client client;
    std::string method;
  };
  std::map<std::uint64_t, Sent> sent_;  // calls waiting, by msg_id: how to decode their late answers
};

// "inputUser" / "inputPeerUser" JSON for a user as seen by `viewer`.
std::string input_user(Harness& h, std::int64_t viewer, std::int64_t user_id);
std::string input_peer_user(Harness& h, std::int64_t viewer, std::int64_t user_id);
std::string input_peer_channel(Harness& h, std::int64_t viewer, std::int64_t channel_id);
std::string input_channel(Harness& h, std::int64_t viewer, std::int64_t channel_id);

}  // namespace tgd::testdc::testing
