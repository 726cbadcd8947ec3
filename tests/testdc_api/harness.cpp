#include "tests/testdc_api/harness.hpp"

#include <doctest/doctest.h>

namespace tgd::testdc::testing {

Harness::Harness(int dcs, UpdateOptions updates)
    : schemas_(tl::load_embedded_schemas()),
      world_(dcs, updates),
      encoder_(schemas_.api),
      decoder_(schemas_.api) {
  // Pushes are decoded right away: one that does not match the schema fails here.
  world_.pushes().set_sink([this](const SessionRef& s, ByteSpan bytes, std::chrono::milliseconds delay) {
    Pushed p{s, delay, {}, Bytes(bytes.begin(), bytes.end())};
    auto error = decoder_.decode_object(bytes, p.updates.json);
    REQUIRE_MESSAGE(!error, "a push does not decode");
    p.updates.root = p.updates.parser->parse(p.updates.json).value();
    p.updates.ok = true;
    pushes.push_back(std::move(p));
    return true;
  });
  for (int id = 1; id <= dcs; ++id) {
    endpoints_.push_back(DcEndpoint{id, "127.0.0.1", static_cast<std::uint16_t>(10442 + id)});
  }
  for (int id = 1; id <= dcs; ++id)
    apis_.push_back(std::make_unique<Api>(schemas_.api, id, endpoints_, world_));
}

Client Harness::client(int dc) {
  ++next_key_;
  return Client{dc, next_key_ * 0x9e3779b97f4a7c15ull, static_cast<std::int64_t>(next_key_ * 7919), false};
}

Answer Harness::call(Client& c, std::string_view method, std::string_view params, bool init) {
  std::string inner = "{\"_\":\"" + std::string(method) + "\"";
  if (params.size() > 2) inner += "," + std::string(params.substr(1, params.size() - 2));
  inner += "}";
  if (!wrapper_.empty()) inner = R"({"_":")" + wrapper_ + R"(","query":)" + inner + "}";
  std::string query = inner;
  if (init && !c.inited) {
    query =
        R"({"_":"invokeWithLayer","layer":223,"query":{"_":"initConnection","api_id":12345,)"
        R"("device_model":"doctest","system_version":"Linux","app_version":"1.0","system_lang_code":"en",)"
        R"("lang_pack":"","lang_code":"en","query":)" +
        inner + "}}";
  }
  // invokeAfterMsg(s) goes outermost, as Telegram requires.
  if (after_ && after_->size() == 1) {
    query = R"({"_":"invokeAfterMsg","msg_id":")" + std::to_string(after_->front()) + R"(","query":)" +
            query + "}";
  } else if (after_) {
    std::string ids;
    for (std::uint64_t id : *after_) ids += (ids.empty() ? "\"" : ",\"") + std::to_string(id) + "\"";
    query = R"({"_":"invokeAfterMsgs","msg_ids":[)" + ids + R"(],"query":)" + query + "}";
  }
  return send(c, method, query, init);
}

Answer Harness::call_json(Client& c, std::string_view method, std::string_view query) {
  return send(c, method, query, false);
}

Answer Harness::send(Client& c, std::string_view method, std::string_view query, bool init) {
  Bytes bytes;
  auto err = encoder_.encode_object_text(query, bytes);
  REQUIRE_MESSAGE(!err, "query does not encode: ", query);
  c.last_msg_id = next_msg_id_;
  next_msg_id_ += 4;
  const CallContext context{c.dc, c.auth_key_id, c.session_id, c.last_msg_id};
  std::optional<ApiResult> result = api(c.dc).handle(context, bytes);
  if (init) c.inited = true;
  Answer answer;
  if (!result) {
    answer.waiting = true;
    sent_[c.last_msg_id] = Sent{c, std::string(method)};
  } else {
    answer = decode(method, *result);
  }
  collect_late(c.dc);
  return answer;
}

Answer Harness::decode(std::string_view method, const ApiResult& result) {
  Answer answer;
  if (auto* e = std::get_if<ApiError>(&result)) {
    answer.error = *e;
    if (e->message.starts_with("INTERNAL_TEST_DC")) {
      encoding_failures.push_back(std::string(method) + ": " + e->message);
    }
    CHECK_MESSAGE(!e->message.starts_with("INTERNAL_TEST_DC"), method, " answered ", e->message);
    return answer;
  }
  const tl::Combinator* m = schemas_.api.find(method);
  REQUIRE(m);
  auto decode_error = decoder_.decode_result(*m, std::get<Bytes>(result), answer.json);
  REQUIRE_MESSAGE(!decode_error, "answer does not decode as the result of ", method);
  answer.root = answer.parser->parse(answer.json).value();
  answer.ok = true;
  return answer;
}

void Harness::collect_late(int dc) {
  for (LateAnswer& a : api(dc).take_late_answers()) {
    auto it = sent_.find(a.context.msg_id);
    REQUIRE_MESSAGE(it != sent_.end(), "a late answer to a query that did not wait: ", a.context.msg_id);
    late.push_back(Late{it->second.client, a.context.msg_id, decode(it->second.method, a.result)});
    sent_.erase(it);
  }
}

std::optional<Answer> Harness::take_late(std::uint64_t msg_id) {
  for (auto it = late.begin(); it != late.end(); ++it) {
    if (it->msg_id == msg_id) {
      Answer a = std::move(it->answer);
      late.erase(it);
      return a;
    }
  }
  return std::nullopt;
}

void Harness::expire(int dc, std::chrono::steady_clock::time_point now) {
  api(dc).expire(now);
  collect_late(dc);
}

Answer Harness::call_without_updates(Client& c, std::string_view method, std::string_view params) {
  wrapper_ = "invokeWithoutUpdates";
  Answer a = call(c, method, params);
  wrapper_.clear();
  return a;
}

Answer Harness::call_after(Client& c, const std::vector<std::uint64_t>& after, std::string_view method,
                           std::string_view params, bool init) {
  after_ = after;
  Answer a = call(c, method, params, init);
  after_.reset();
  return a;
}

std::vector<Pushed> Harness::take_pushes(const Client& c) {
  std::vector<Pushed> mine, rest;
  for (auto& p : pushes) (p.session == c.session() ? mine : rest).push_back(std::move(p));
  pushes = std::move(rest);
  return mine;
}

Client Harness::sibling(const Client& c) {
  Client s = c;
  s.session_id = c.session_id + 1000003;
  return s;
}

Answer Harness::login_bot(Client& c, std::string_view token) {
  return call(c, "auth.importBotAuthorization",
              R"({"flags":0,"api_id":12345,"api_hash":"0123456789abcdef","bot_auth_token":")" +
                  std::string(token) + "\"}");
}

Answer Harness::login_phone(Client& c, std::string_view phone, std::string_view first_name) {
  Answer sent = call(c, "auth.sendCode",
                     R"({"phone_number":")" + std::string(phone) +
                         R"(","api_id":12345,"api_hash":"0123456789abcdef","settings":{}})");
  if (!sent.ok) return sent;
  const std::string hash = sent.str("/phone_code_hash");
  const std::string code(5, phone[5]);
  Answer in = call(c, "auth.signIn",
                   R"({"phone_number":")" + std::string(phone) + R"(","phone_code_hash":")" + hash +
                       R"(","phone_code":")" + code + "\"}");
  if (!in.ok || in.type() != "auth.authorizationSignUpRequired") return in;
  return call(c, "auth.signUp",
              R"({"phone_number":")" + std::string(phone) + R"(","phone_code_hash":")" + hash +
                  R"(","first_name":")" + std::string(first_name) + R"(","last_name":""})");
}

Client Harness::user(std::string_view phone, std::string first_name, std::int64_t* id) {
  Account& a = world_.create_user(phone, std::move(first_name));
  Client c = client(a.home_dc);
  world_.authorize(c.dc, c.auth_key_id, a.id);
  if (id) *id = a.id;
  return c;
}

std::string input_user(Harness& h, std::int64_t viewer, std::int64_t user_id) {
  return R"({"_":"inputUser","user_id":")" + std::to_string(user_id) + R"(","access_hash":")" +
         std::to_string(h.access_hash(viewer, user_id)) + "\"}";
}
std::string input_peer_user(Harness& h, std::int64_t viewer, std::int64_t user_id) {
  return R"({"_":"inputPeerUser","user_id":")" + std::to_string(user_id) + R"(","access_hash":")" +
         std::to_string(h.access_hash(viewer, user_id)) + "\"}";
}
std::string input_peer_channel(Harness& h, std::int64_t viewer, std::int64_t channel_id) {
  return R"({"_":"inputPeerChannel","channel_id":")" + std::to_string(channel_id) + R"(","access_hash":")" +
         std::to_string(h.channel_hash(viewer, channel_id)) + "\"}";
}
std::string input_channel(Harness& h, std::int64_t viewer, std::int64_t channel_id) {
  return R"({"_":"inputChannel","channel_id":")" + std::to_string(channel_id) + R"(","access_hash":")" +
         std::to_string(h.channel_hash(viewer, channel_id)) + "\"}";
}

}  // namespace tgd::testdc::testing
