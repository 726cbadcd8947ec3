#pragma once
// Drives an UpdateEngine the way the Session will (feed, take batches, take the next request, tick)
// on a fake clock, collects what it emits, and checks that every emitted update round-trips through
// the codec unchanged (tgd.* markers are not TL objects: they must only be valid JSON).
#include <doctest/doctest.h>

#include <simdjson.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "daemon/updates/update_engine.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"

namespace tgd::updates::testing {

using namespace std::chrono_literals;

inline const tl::Schemas& schemas() {
  static const tl::Schemas parsed = tl::load_embedded_schemas();
  return parsed;
}

// Encodes `json` as TL and decodes it again: the text must come back byte for byte, which proves
// the codec takes it (and that the engine writes fields in declaration order, as the decoder does).
inline void check_round_trip(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE_MESSAGE(parser.parse(json).get(doc) == simdjson::SUCCESS, json);
  std::string_view name;
  REQUIRE(doc["_"].get(name) == simdjson::SUCCESS);
  if (name.starts_with("tgd.")) return;
  static tl::JsonToTl encoder(schemas().api);
  static const tl::TlToJson decoder(schemas().api);
  Bytes tl;
  const auto err = encoder.encode_object_text(json, tl);
  REQUIRE_MESSAGE(!err, json, " -> ", err->to_string());
  std::string back;
  REQUIRE_FALSE(decoder.decode_object(tl, back));
  CHECK(back == json);
}

inline UpdateState initial_state() {
  UpdateState s;
  s.pts = 100;
  s.qts = 10;
  s.date = 1000;
  s.seq = 50;
  return s;
}

inline EngineOptions options() {
  EngineOptions o;
  o.self_user_id = 7;
  return o;
}

struct Harness {
  TimePoint now = TimePoint{} + 1h;
  UpdateEngine engine;
  std::vector<Batch> batches;
  std::vector<std::string> emitted;  // every update emitted, in order

  explicit Harness(UpdateState state = initial_state(), EngineOptions o = options())
      : engine(o, std::move(state), now) {}

  // The first getDifference of a restored session, answered empty.
  void start() {
    const auto r = request();
    REQUIRE(r);
    REQUIRE(r->kind == RequestKind::GetDifference);
    answer(R"({"_":"updates.differenceEmpty","date":1000,"seq":50})");
    emitted.clear();
    batches.clear();
  }

  void collect() {
    for (Batch& b : engine.take_batches()) {
      for (const std::string& u : b.updates) {
        check_round_trip(u);
        emitted.push_back(u);
      }
      batches.push_back(std::move(b));
    }
  }
  void push(const std::string& json) {
    engine.feed_updates(json, now);
    collect();
  }
  void result(std::string_view method, std::string_view params, const std::string& json) {
    engine.feed_call_result(method, params, json, now);
    collect();
  }
  void answer(const std::string& json) {
    engine.feed_answer(json, now);
    collect();
  }
  void fail(RequestFailure f) {
    engine.feed_failure(f, now);
    collect();
  }
  void advance(std::chrono::milliseconds d) {
    now += d;
    engine.on_tick(now);
    collect();
  }
  std::optional<Request> request() { return engine.next_request(now); }

  // A field of each emitted update: message.id for messages, else -1; markers give -2.
  std::vector<long> emitted_ids() const {
    std::vector<long> ids;
    simdjson::dom::parser parser;
    for (const std::string& u : emitted) {
      simdjson::dom::element doc;
      REQUIRE(parser.parse(u).get(doc) == simdjson::SUCCESS);
      std::string_view name;
      if (doc["_"].get(name) != simdjson::SUCCESS) name = "";
      std::int64_t id = -1;
      if (name.starts_with("tgd.")) {
        id = -2;
      } else {
        if (doc["message"]["id"].get(id) != simdjson::SUCCESS) id = -1;
      }
      ids.push_back(static_cast<long>(id));
    }
    return ids;
  }
  std::vector<std::string> emitted_names() const {
    std::vector<std::string> names;
    simdjson::dom::parser parser;
    for (const std::string& u : emitted) {
      simdjson::dom::element doc;
      REQUIRE(parser.parse(u).get(doc) == simdjson::SUCCESS);
      std::string_view name;
      if (doc["_"].get(name) != simdjson::SUCCESS) name = "";
      names.emplace_back(name);
    }
    return names;
  }
};

// ---- inputs in tgd's JSON form ----

inline std::string message(long id, std::string_view peer = R"({"_":"peerUser","user_id":"5"})") {
  return R"({"_":"message","id":)" + std::to_string(id) + R"(,"peer_id":)" + std::string(peer) +
         R"(,"date":1001,"message":"m)" + std::to_string(id) + "\"}";
}
inline std::string channel_peer(long channel) {
  return R"({"_":"peerChannel","channel_id":")" + std::to_string(channel) + "\"}";
}
// updateNewMessage whose message id is its pts (easy to follow in the tests).
inline std::string new_message(int pts, int count = 1) {
  return R"({"_":"updateNewMessage","message":)" + message(pts) + R"(,"pts":)" + std::to_string(pts) +
         R"(,"pts_count":)" + std::to_string(count) + "}";
}
inline std::string channel_message(long channel, int pts) {
  return R"({"_":"updateNewChannelMessage","message":)" + message(pts, channel_peer(channel)) + R"(,"pts":)" +
         std::to_string(pts) + R"(,"pts_count":1})";
}
inline std::string short_message(int pts, bool out = false) {
  return std::string(R"({"_":"updateShortMessage")") + (out ? R"(,"out":true)" : "") + R"(,"id":)" +
         std::to_string(pts) + R"(,"user_id":"5","message":"hello","pts":)" + std::to_string(pts) +
         R"(,"pts_count":1,"date":1002})";
}
// An `updates` container; seq 0 means no seq check.
inline std::string container(const std::vector<std::string>& updates, int seq = 0,
                             std::string_view users = "[]") {
  std::string out = R"({"_":"updates","updates":[)";
  for (std::size_t i = 0; i < updates.size(); ++i) out += (i ? "," : "") + updates[i];
  out +=
      R"(],"users":)" + std::string(users) + R"(,"chats":[],"date":1003,"seq":)" + std::to_string(seq) + "}";
  return out;
}
inline std::string typing() {
  return R"({"_":"updateUserTyping","user_id":"5","action":{"_":"sendMessageTypingAction"}})";
}
inline std::string bot_stopped(int qts) {
  return R"({"_":"updateBotStopped","user_id":"5","date":1004,"stopped":true,"qts":)" + std::to_string(qts) +
         "}";
}
inline std::string state_json(int pts, int qts = 10, int seq = 50) {
  return R"({"_":"updates.state","pts":)" + std::to_string(pts) + R"(,"qts":)" + std::to_string(qts) +
         R"(,"date":2000,"seq":)" + std::to_string(seq) + R"(,"unread_count":0})";
}
inline std::string difference(const std::vector<int>& message_ids, int pts,
                              std::string_view kind = "updates.difference",
                              std::string_view other_updates = "[]") {
  std::string messages;
  for (std::size_t i = 0; i < message_ids.size(); ++i) messages += (i ? "," : "") + message(message_ids[i]);
  const std::string state_key = kind == "updates.differenceSlice" ? "intermediate_state" : "state";
  return R"({"_":")" + std::string(kind) + R"(","new_messages":[)" + messages +
         R"(],"new_encrypted_messages":[],"other_updates":)" + std::string(other_updates) +
         R"(,"chats":[],"users":[],")" + state_key + R"(":)" + state_json(pts) + "}";
}

}  // namespace tgd::updates::testing
