// Helper of the kill -9 test: opens the store in argv[1], saves session "crash", prints "ready",
// then writes numbered batches as fast as the writer takes them, forever: iteration i saves the
// peers i*100 .. i*100+99 and the auth key with time_offset i. The test kills it with SIGKILL.
#include <chrono>
#include <cstdio>
#include <thread>
#include <variant>

#include "daemon/store/store.hpp"

using namespace tgd::store;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_writer_child STATE_DIR\n");
    return 2;
  }
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
    // Heavy, but not unbounded: the queue stays within a few batches.
    while (store.stats().queued > 20'000) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}
