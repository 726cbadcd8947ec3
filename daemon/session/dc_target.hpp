#pragma once
// Which Telegram a session talks to: production, Telegram's test DCs, or a custom DC list with its
// own RSA key (the local test DC, tgd-testdc). Addresses are compiled in (facts §2.10) and
// refreshed from help.getConfig; the RSA keys are the built-in ones (facts §2.9) or the custom PEM.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/crypto/rsa.hpp"
#include "protocol/net/mtproto_client.hpp"

namespace tgd::session {

enum class DcNetwork : std::uint8_t { Production, Test, Custom };

struct DcEndpoint {
  std::int32_t id = 0;
  std::string host;
  std::uint16_t port = 0;
};

class DcTarget {
 public:
  static DcTarget production();
  static DcTarget telegram_test();
  // A custom DC list (e.g. tgd-testdc's ready line) with the server's public key in PEM.
  static std::variant<DcTarget, std::string> custom(std::vector<DcEndpoint> dcs,
                                                    std::string_view public_key_pem);

  DcNetwork network() const { return network_; }
  // The address to connect to for DC `dc`, with the DC id as sent on the wire (Telegram's test DCs
  // are 10000 + n in the handshake and the obfuscation header). nullopt: no such DC.
  std::optional<net::DcAddress> address(std::int32_t dc) const;
  bool has_dc(std::int32_t dc) const { return endpoints_.contains(dc); }
  const std::vector<crypto::RsaPublicKey>& rsa_keys() const { return rsa_keys_; }
  // Where a new session starts (Telegram's apps start at DC 2; a custom list at its first DC).
  std::int32_t default_dc() const { return default_dc_; }

  // Replaces the addresses with help.getConfig's dc_options (IPv4, non-media, non-CDN entries;
  // the first per DC wins), keeping DCs the config does not mention. Returns how many changed.
  int apply_dc_options(const std::vector<DcEndpoint>& options);
  std::vector<DcEndpoint> endpoints() const;

  // The JSON kept in the session's settings: {"network":"production"|"test"|"custom",
  // "dcs":[{"id":1,"host":"…","port":443},…],"public_key_pem":"…" (custom only)}.
  std::string to_json() const;
  static std::variant<DcTarget, std::string> from_json(std::string_view json);

 private:
  DcNetwork network_ = DcNetwork::Production;
  std::map<std::int32_t, DcEndpoint> endpoints_;
  std::vector<crypto::RsaPublicKey> rsa_keys_;
  std::string custom_pem_;
  std::int32_t default_dc_ = 2;
};

}  // namespace tgd::session
