#include "protocol/crypto/secure_bytes.hpp"

#include <openssl/crypto.h>

namespace tgd::crypto {

void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size != 0) OPENSSL_cleanse(data, size);
}

void SecureBytes::resize(std::size_t size) {
  if (size < bytes_.size()) secure_wipe(bytes_.data() + size, bytes_.size() - size);
  bytes_.resize(size);
}

void SecureBytes::assign(ByteSpan data) {
  clear();
  append(data);
}

void SecureBytes::append(ByteSpan data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }

}  // namespace tgd::crypto
