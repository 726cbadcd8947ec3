#pragma once
// What the test DC's updates tests over sockets share: logged-in MtprotoClients of test accounts
// whose pushes are collected as tgd JSON.
#include <memory>
#include <string>
#include <vector>

#include "protocol/crypto/auth_key.hpp"
#include "tests/e2e/client_harness.hpp"
#include "tests/testdc/world.hpp"

namespace tgd::e2e {

// Pushes a client received, decoded (shared with the client's handler).
using PushList = std::shared_ptr<std::vector<std::string>>;

inline PushList collect_pushes(net::MtprotoClient& client) {
  auto list = std::make_shared<std::vector<std::string>>();
  client.on_update([list](ByteSpan bytes) { list->push_back(tl_fixture().to_json(bytes)); });
  return list;
}

inline std::uint64_t auth_key_id(const net::MtprotoClient& client) {
  const auto stored = client.auth_key();
  REQUIRE(stored);
  const auto key = crypto::AuthKey::from_bytes(stored->key);
  REQUIRE(key);
  return static_cast<std::uint64_t>(key->id_value());
}

inline Bytes encode_call(std::string_view json) {
  tl::JsonToTl encoder(tl_fixture().schemas.api);
  return Tl::encode(encoder, json);
}

// Starts `client` (of DC `dc`), creates its key with the init call, and logs the key in as `user`.
// With `subscribe`, makes an authorized call so that the session gets pushes; `wrapped` wraps it in
// invokeWithoutUpdates instead.
inline net::awaitable<void> log_in(Harness& h, net::MtprotoClient& client, int dc, std::int64_t user,
                                   bool subscribe = true, bool without_updates = false) {
  client.start();
  const net::CallResult first = co_await client.call(tl_fixture().init);
  REQUIRE_MESSAGE(is_nearest_dc(first, dc), describe(first));
  h.dc->world().authorize(dc, auth_key_id(client), user);
  if (!subscribe) co_return;
  const Bytes state =
      encode_call(without_updates ? R"({"_":"invokeWithoutUpdates","query":{"_":"updates.getState"}})"
                                  : R"({"_":"updates.getState"})");
  const net::CallResult answer = co_await client.call(state);
  REQUIRE_MESSAGE(is_answer(answer), describe(answer));
}

// A second client of the test DC, on DC `dc`.
inline std::unique_ptr<net::MtprotoClient> extra_client(Harness& h, int dc) {
  net::ClientOptions o = h.options;
  const auto endpoint = h.dc->endpoints()[static_cast<std::size_t>(dc - 1)];
  o.dc = {endpoint.host, endpoint.port, dc};
  return std::make_unique<net::MtprotoClient>(h.io.get_executor(), o);
}

// Stops a client when the test body ends, however it ends.
struct StopOnExit {
  net::MtprotoClient& client;
  ~StopOnExit() { client.stop(); }
};

inline bool has(const std::string& json, std::string_view needle) {
  return json.find(needle) != std::string::npos;
}

}  // namespace tgd::e2e
