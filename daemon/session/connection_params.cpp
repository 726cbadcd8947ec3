#include "daemon/session/connection_params.hpp"

#include "daemon/version.hpp"
#include "protocol/tl/tl_buffer.hpp"

namespace tgd::session {
namespace {
constexpr std::uint32_t kInvokeWithLayer = 0xda9b0d0d;
constexpr std::uint32_t kInitConnection = 0xc1cd5ea9;
constexpr std::uint32_t kInvokeWithoutUpdates = 0xbf9459b7;

// initConnection's strings are short names; a longer one is cut rather than sent (Telegram
// refuses long ones anyway), which also keeps TlWriter::string within its limit.
void short_string(tl::TlWriter& w, std::string_view s) {
  constexpr std::size_t kMax = 255;
  const bool written = w.string(s.substr(0, kMax));
  (void)written;  // cannot fail below 2^24 bytes
}
}  // namespace

Bytes wrap_init_connection(const ConnectionParams& p, std::int32_t layer, ByteSpan query) {
  Bytes out;
  out.reserve(query.size() + 96 + p.device_model.size() + p.system_version.size() + p.app_version.size());
  tl::TlWriter w(out);
  w.u32(kInvokeWithLayer);
  w.i32(layer);
  w.u32(kInitConnection);
  w.u32(0);  // flags: no proxy, no params
  w.i32(p.api_id);
  short_string(w, p.device_model);
  short_string(w, p.system_version);
  short_string(w, p.app_version.empty() ? std::string_view(TGD_VERSION) : std::string_view(p.app_version));
  short_string(w, p.system_lang_code);
  short_string(w, p.lang_pack);
  short_string(w, p.lang_code);
  w.raw(query);
  return out;
}

void wrap_without_updates_in_place(Bytes& query) {
  std::uint8_t id[4];
  for (int i = 0; i < 4; ++i) id[i] = static_cast<std::uint8_t>(kInvokeWithoutUpdates >> (8 * i));
  query.insert(query.begin(), id, id + 4);
}

Bytes wrap_without_updates(ByteSpan query) {
  Bytes out;
  out.reserve(4 + query.size());
  tl::TlWriter w(out);
  w.u32(kInvokeWithoutUpdates);
  w.raw(query);
  return out;
}

}  // namespace tgd::session
