// channels.*
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

void register_channels(Handlers&) {}

}  // namespace tgd::testdc::api
