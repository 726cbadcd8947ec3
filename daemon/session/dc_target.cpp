#include "daemon/session/dc_target.hpp"

#include <simdjson.h>

#include "protocol/crypto/builtin_keys.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::session {
namespace {

// facts §2.10 (tdlib ConnectionCreator.cpp, tdesktop): port 443 everywhere.
constexpr std::uint16_t kTelegramPort = 443;

}  // namespace

DcTarget DcTarget::production() {
  DcTarget t;
  t.network_ = DcNetwork::Production;
  const std::pair<int, const char*> table[] = {{1, "149.154.175.50"},
                                               {2, "149.154.167.51"},
                                               {3, "149.154.175.100"},
                                               {4, "149.154.167.91"},
                                               {5, "149.154.171.5"}};
  for (auto [id, host] : table) t.endpoints_[id] = DcEndpoint{id, host, kTelegramPort};
  t.rsa_keys_.push_back(*crypto::RsaPublicKey::from_pem(crypto::kProductionRsaKey.pem));
  t.default_dc_ = 2;
  return t;
}

DcTarget DcTarget::telegram_test() {
  DcTarget t;
  t.network_ = DcNetwork::Test;
  const std::pair<int, const char*> table[] = {
      {1, "149.154.175.10"}, {2, "149.154.167.40"}, {3, "149.154.175.117"}};
  for (auto [id, host] : table) t.endpoints_[id] = DcEndpoint{id, host, kTelegramPort};
  t.rsa_keys_.push_back(*crypto::RsaPublicKey::from_pem(crypto::kTestDcRsaKey.pem));
  t.default_dc_ = 2;
  return t;
}

std::variant<DcTarget, std::string> DcTarget::custom(std::vector<DcEndpoint> dcs, std::string_view pem) {
  if (dcs.empty()) return std::string("a custom DC list needs at least one DC");
  auto key = crypto::RsaPublicKey::from_pem(pem);
  if (!key) return std::string("the custom DC public key is not an RSA public key in PEM form");
  DcTarget t;
  t.network_ = DcNetwork::Custom;
  for (auto& dc : dcs) {
    if (dc.id <= 0 || dc.host.empty() || dc.port == 0)
      return "bad custom DC entry (id " + std::to_string(dc.id) + ")";
    t.endpoints_[dc.id] = std::move(dc);
  }
  t.rsa_keys_.push_back(std::move(*key));
  t.custom_pem_ = std::string(pem);
  t.default_dc_ = t.endpoints_.begin()->first;
  return t;
}

std::optional<net::DcAddress> DcTarget::address(std::int32_t dc) const {
  const auto it = endpoints_.find(dc);
  if (it == endpoints_.end()) return std::nullopt;
  const std::int32_t wire_id = network_ == DcNetwork::Test ? 10000 + dc : dc;
  return net::DcAddress{it->second.host, it->second.port, wire_id};
}

int DcTarget::apply_dc_options(const std::vector<DcEndpoint>& options) {
  int changed = 0;
  std::map<std::int32_t, bool> seen;
  for (const DcEndpoint& o : options) {
    if (o.id <= 0 || o.host.empty() || o.port == 0 || seen[o.id]) continue;
    seen[o.id] = true;
    auto& current = endpoints_[o.id];
    if (current.host != o.host || current.port != o.port) {
      current = o;
      ++changed;
    }
  }
  return changed;
}

std::vector<DcEndpoint> DcTarget::endpoints() const {
  std::vector<DcEndpoint> out;
  for (const auto& [id, e] : endpoints_) out.push_back(e);
  return out;
}

std::string DcTarget::to_json() const {
  std::string out = R"({"network":")";
  out += network_ == DcNetwork::Production ? "production" : network_ == DcNetwork::Test ? "test" : "custom";
  out += R"(","dcs":[)";
  bool first = true;
  for (const auto& [id, e] : endpoints_) {
    if (!first) out += ',';
    first = false;
    out += R"({"id":)" + std::to_string(id) + R"(,"host":)" + tl::json_quoted(e.host) + R"(,"port":)" +
           std::to_string(e.port) + "}";
  }
  out += "]";
  if (network_ == DcNetwork::Custom) out += R"(,"public_key_pem":)" + tl::json_quoted(custom_pem_);
  out += "}";
  return out;
}

std::variant<DcTarget, std::string> DcTarget::from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS)
    return std::string("DC settings are not valid JSON");
  std::string_view network;
  if (root["network"].get(network) != simdjson::SUCCESS) return std::string("DC settings lack \"network\"");
  std::vector<DcEndpoint> dcs;
  simdjson::dom::array array;
  if (root["dcs"].get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : array) {
      std::int64_t id = 0, port = 0;
      std::string_view host;
      if (e["id"].get(id) != simdjson::SUCCESS || e["host"].get(host) != simdjson::SUCCESS ||
          e["port"].get(port) != simdjson::SUCCESS || id <= 0 || id > 1'000'000 || port <= 0 || port > 65535)
        return std::string("bad entry in DC settings \"dcs\"");
      dcs.push_back(
          DcEndpoint{static_cast<std::int32_t>(id), std::string(host), static_cast<std::uint16_t>(port)});
    }
  }
  if (network == "custom") {
    std::string_view pem;
    if (root["public_key_pem"].get(pem) != simdjson::SUCCESS)
      return std::string("custom DC settings lack \"public_key_pem\"");
    return custom(std::move(dcs), pem);
  }
  DcTarget t;
  if (network == "production") {
    t = production();
  } else if (network == "test") {
    t = telegram_test();
  } else {
    return "unknown DC network \"" + std::string(network) + "\" (production, test or custom)";
  }
  t.apply_dc_options(dcs);
  return t;
}

}  // namespace tgd::session
