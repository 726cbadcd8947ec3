#pragma once
// The auth keys one test DC knows, by auth_key_id, as Telegram's DCs keep them. A fault hook can
// forget a key so clients see -404 for it.
#include <cstdint>
#include <map>
#include <optional>

#include "protocol/crypto/auth_key.hpp"

namespace tgd::testdc {

class KeyStore {
 public:
  void add(crypto::AuthKey key) {
    const std::int64_t id = key.id_value();
    keys_.insert_or_assign(id, std::move(key));
  }
  const crypto::AuthKey* find(std::int64_t id) const {
    auto it = keys_.find(id);
    return it == keys_.end() ? nullptr : &it->second;
  }
  bool forget(std::int64_t id) { return keys_.erase(id) > 0; }
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::int64_t, crypto::AuthKey> keys_;
};

}  // namespace tgd::testdc
