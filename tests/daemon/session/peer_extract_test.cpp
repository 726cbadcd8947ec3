#include <doctest/doctest.h>

#include "daemon/session/peer_extract.hpp"

using namespace tgd;
using namespace tgd::session;

TEST_CASE("users, chats and channels are found anywhere in an answer, with hash, min flag and username") {
  const std::string json = R"({"_":"messages.messages","messages":[],
    "chats":[{"_":"channel","id":"1001","access_hash":"-55","username":"news","min":true,"title":"N"},
             {"_":"chat","id":"42","title":"basic"}],
    "users":[{"_":"user","id":"777","access_hash":"123456789012345","username":"alice"},
             {"_":"userEmpty","id":"5"}],
    "nested":{"authorization":{"user":{"_":"user","id":"9","bot":true}}}})";
  std::vector<store::PeerRow> peers;
  extract_peers(json, peers);
  REQUIRE(peers.size() == 4);
  CHECK(peers[0].kind == store::PeerKind::Channel);
  CHECK(peers[0].id == 1001);
  CHECK(peers[0].access_hash == -55);
  CHECK(peers[0].min);
  CHECK(peers[0].username == "news");
  CHECK(peers[1].kind == store::PeerKind::Chat);
  CHECK(peers[1].access_hash == 0);
  CHECK(peers[2].kind == store::PeerKind::User);
  CHECK(peers[2].access_hash == 123456789012345);
  CHECK_FALSE(peers[2].min);
  CHECK(peers[3].id == 9);
}

TEST_CASE("text that is not JSON yields no peers") {
  std::vector<store::PeerRow> peers;
  extract_peers("{oops", peers);
  CHECK(peers.empty());
}

TEST_CASE("answers without peer objects are skipped, escaped names are still found") {
  std::vector<store::PeerRow> peers;
  extract_peers(R"({"_":"nearestDc","country":"US","this_dc":2,"nearest_dc":2})", peers);
  CHECK(peers.empty());
  extract_peers(R"({"_":"userFull","users":[{"_":"\u0075ser","id":"5","access_hash":"7"}]})", peers);
  REQUIRE(peers.size() == 1);
  CHECK(peers[0].id == 5);
  CHECK(peers[0].access_hash == 7);
}
