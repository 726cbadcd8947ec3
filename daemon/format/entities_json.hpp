#pragma once
// The tgd JSON form of a Vector<MessageEntity>, as the methods take and return it: "_" names the
// constructor, 64-bit ids are JSON strings (JavaScript numbers cannot hold them).
#include <string>
#include <vector>

#include "daemon/format/entity.hpp"

namespace tgd::format {

std::string entities_json(const std::vector<Entity>& entities);

}  // namespace tgd::format
