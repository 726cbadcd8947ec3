#include "daemon/format/entities_json.hpp"

#include "protocol/tl/json_out.hpp"

namespace tgd::format {

std::string entities_json(const std::vector<Entity>& entities) {
  std::string out = "[";
  for (const Entity& e : entities) {
    if (out.size() > 1) out += ',';
    out += "{\"_\":";
    out += tl::json_quoted(e.type);
    out += ",\"offset\":" + std::to_string(e.offset);
    out += ",\"length\":" + std::to_string(e.length);
    // Only the fields the constructor has: the TL schema names them, and a stray field would be
    // rejected by the encoder.
    if (e.type == kTextUrl) {
      out += ",\"url\":" + tl::json_quoted(e.url);
    } else if (e.type == kMentionName) {
      out += ",\"user_id\":\"" + std::to_string(e.user_id) + '"';
    } else if (e.type == kPre) {
      out += ",\"language\":" + tl::json_quoted(e.language);
    } else if (e.type == kCustomEmoji) {
      out += ",\"document_id\":\"" + std::to_string(e.document_id) + '"';
    } else if (e.type == kBlockquote && e.collapsed) {
      // collapsed is a flag (flags.0?true): absent means false.
      out += ",\"collapsed\":true";
    }
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace tgd::format
