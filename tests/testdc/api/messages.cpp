// messages.*
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

void register_messages(Handlers&) {}

}  // namespace tgd::testdc::api
