// updates.*: the account's common-box state (facts §7), so that a client can start tracking
// updates after login. getDifference and pushed updates come with the updates issue.
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {
namespace {

Reply get_state(Call& c) {
  if (auto e = c.require_account()) return *e;
  return R"({"_":"updates.state","pts":)" + std::to_string(c.self->pts) + R"(,"qts":0,"date":)" +
         std::to_string(World::now()) + R"(,"seq":0,"unread_count":0})";
}

}  // namespace

void register_updates(Handlers& h) { h["updates.getState"] = get_state; }

}  // namespace tgd::testdc::api
