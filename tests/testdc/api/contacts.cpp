// contacts.*
#include "tests/testdc/api/call.hpp"

namespace tgd::testdc::api {

void register_contacts(Handlers&) {}

}  // namespace tgd::testdc::api
