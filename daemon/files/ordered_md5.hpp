#pragma once
// The MD5 an inputFile needs (upload_plan.hpp), computed while the parts are read instead of in a
// second pass over the file: parts are hashed in order, each once. A part read again for a retry is
// skipped; a part read ahead of the next one cannot be hashed yet (the caller reads new parts in the
// plan's order, which is ascending).
#include <cstdint>
#include <string>

#include "protocol/base/bytes.hpp"
#include "protocol/crypto/hash.hpp"

namespace tgd::files {

class OrderedMd5 {
 public:
  enum class Added { kHashed, kAlreadyHashed, kOutOfOrder };
  Added add(std::int32_t part, ByteSpan data);
  std::int32_t next_part() const { return next_; }
  // The lowercase hex digest of the parts added; call once, after the last part.
  std::string finish_hex();

 private:
  crypto::Md5 md5_;
  std::int32_t next_ = 0;
};

}  // namespace tgd::files
