#pragma once
// Runs a client and a server against each other in memory.
#include <optional>

#include "tests/protocol/handshake/test_support.hpp"

namespace tgd::handshake::test {

inline ClientHandshake::Options client_options(std::uint64_t seed, std::int32_t dc_id = 2) {
  ClientHandshake::Options options;
  options.dc_id = dc_id;
  options.rsa_keys = {test_key()->public_key()};
  options.random = seeded_random(seed);
  return options;
}

inline ServerHandshake::Options server_options(std::uint64_t seed) {
  ServerHandshake::Options options;
  options.rsa_key = test_key();
  options.accepted_dc_ids = {2, -2};
  options.random = seeded_random(seed);
  return options;
}

struct Outcome {
  std::optional<ClientHandshake::Done> client;
  std::optional<ClientHandshake::Failed> client_failed;
  std::optional<ServerHandshake::Done> server;
  std::optional<ServerHandshake::Failed> server_failed;
  int client_messages = 0;  // sent by the client
};

// Client messages go to the server and answers come back until one side is done or fails.
// client_now and server_now are the two sides' clocks (skewed as the test wants).
inline Outcome exchange(ClientHandshake& client, ServerHandshake& server, UnixNanos client_now,
                        UnixNanos server_now) {
  Outcome out;
  Bytes to_server = client.start(client_now);
  for (int round = 0; round < 10; ++round) {
    ++out.client_messages;
    Bytes to_client;
    ServerHandshake::Step s = server.on_message(to_server, server_now);
    if (auto* failed = std::get_if<ServerHandshake::Failed>(&s)) {
      out.server_failed = std::move(*failed);
      return out;
    }
    if (auto* done = std::get_if<ServerHandshake::Done>(&s)) {
      to_client = done->message;
      out.server = std::move(*done);
    } else {
      to_client = std::get<ServerHandshake::Send>(std::move(s)).message;
    }
    ClientHandshake::Step c = client.on_message(to_client, client_now);
    if (auto* failed = std::get_if<ClientHandshake::Failed>(&c)) {
      out.client_failed = std::move(*failed);
      return out;
    }
    if (auto* done = std::get_if<ClientHandshake::Done>(&c)) {
      out.client = std::move(*done);
      return out;
    }
    to_server = std::get<ClientHandshake::Send>(std::move(c)).message;
  }
  FAIL("the handshake did not finish");
  return out;
}

inline Outcome exchange(ClientHandshake::Options client_opts, ServerHandshake::Options server_opts,
                        UnixNanos client_now = at_seconds(1700000000.5),
                        UnixNanos server_now = at_seconds(1700000000.5)) {
  ClientHandshake client(std::move(client_opts));
  ServerHandshake server(std::move(server_opts));
  return exchange(client, server, client_now, server_now);
}

inline void check_same_key(const Outcome& out) {
  REQUIRE(out.client);
  REQUIRE(out.server);
  CHECK(to_hex(out.client->key.bytes()) == to_hex(out.server->key.bytes()));
  CHECK(out.client->key.id() == out.server->key.id());
  CHECK(out.client->server_salt == out.server->server_salt);
}

}  // namespace tgd::handshake::test
