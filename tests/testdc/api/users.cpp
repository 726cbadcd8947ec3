// users.*
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

void register_users(Handlers&) {}

}  // namespace tgd::testdc::api
