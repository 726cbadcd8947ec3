// Helper of the kill -9 tests: opens the store in argv[1], saves session "crash", prints "ready",
// then writes as fast as the writer takes them, forever, until the test kills it with SIGKILL.
//   store_writer_child DIR          iteration i saves the peers i*100 .. i*100+99 and the auth key
//                                   with time_offset i;
//   store_writer_child DIR journal  appends updates in calls of 1 to 50 entries (seq n's JSON names
//                                   n), each with the state {"last":<its last seq>}.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <variant>

#include "daemon/store/store.hpp"

using namespace tgd::store;

namespace {

void throttle(Store& store) {
  // Heavy, but not unbounded: the queue stays within a few batches.
  while (store.stats().queued > 20'000) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

[[noreturn]] void write_peers(Store& store) {
  for (std::int64_t i = 0;; ++i) {
    std::vector<PeerRow> peers(100);
    for (std::int64_t j = 0; j < 100; ++j) {
      peers[j].id = i * 100 + j;
      peers[j].access_hash = i;
      peers[j].username = "u" + std::to_string(i * 100 + j);
    }
    store.save_peers("crash", std::move(peers));
    AuthKeyRow key;
    key.dc_id = 2;
    key.key.assign(256, static_cast<std::uint8_t>(i));
    key.time_offset = i;
    store.save_auth_key("crash", std::move(key));
    throttle(store);
  }
}

[[noreturn]] void write_journal(Store& store) {
  std::int64_t seq = 0;
  for (std::int64_t call = 0;; ++call) {
    std::vector<JournalEntry> entries(static_cast<std::size_t>(1 + call * 7 % 50));
    for (JournalEntry& e : entries) {
      ++seq;
      e.seq = seq;
      e.update_json = R"({"_":"updateNewMessage","seq":)" + std::to_string(seq) + R"(,"text":")" +
                      std::string(300, 'x') + R"("})";
    }
    if (!store.append_updates("crash", R"({"last":)" + std::to_string(seq) + "}", std::move(entries))) {
      std::fprintf(stderr, "append_updates refused\n");
      std::_Exit(1);
    }
    throttle(store);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: store_writer_child STATE_DIR [journal]\n");
    return 2;
  }
  const bool journal = argc == 3 && std::string_view(argv[2]) == "journal";
  auto opened = Store::open(argv[1]);
  if (auto* e = std::get_if<StoreError>(&opened)) {
    std::fprintf(stderr, "%s\n", e->message.c_str());
    return 1;
  }
  Store& store = *std::get<std::unique_ptr<Store>>(opened);
  SessionRow session;
  session.name = "crash";
  session.kind = "user";
  session.state = "ready";
  session.main_dc = 2;
  store.save_session(session);
  if (!store.flush()) return 1;
  std::printf("ready\n");
  std::fflush(stdout);
  if (journal) write_journal(store);
  write_peers(store);
}
