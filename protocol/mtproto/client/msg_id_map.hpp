#pragma once
// A hash map from msg_id to a small value: open addressing with linear probing and backward-shift
// deletion. Every request passes through it once per transmission, so it allocates only when it
// grows (std::unordered_map would allocate a node per insert). Key 0 marks an empty bucket: no
// MTProto msg_id is 0.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace tgd::mtproto::client_detail {

template <class Value>
class MsgIdMap {
 public:
  MsgIdMap() { rehash(kMinBuckets); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Value* find(std::uint64_t key) {
    if (key == 0) return nullptr;
    for (std::size_t i = bucket(key);; i = (i + 1) & mask_) {
      if (buckets_[i].key == key) return &buckets_[i].value;
      if (buckets_[i].key == 0) return nullptr;
    }
  }
  const Value* find(std::uint64_t key) const { return const_cast<MsgIdMap*>(this)->find(key); }
  bool contains(std::uint64_t key) const { return find(key) != nullptr; }

  // False (and nothing changed) if the key is present already or is 0.
  bool insert(std::uint64_t key, Value value) {
    if (key == 0) return false;
    if ((size_ + 1) * 2 > buckets_.size()) rehash(buckets_.size() * 2);
    std::size_t i = bucket(key);
    for (; buckets_[i].key != 0; i = (i + 1) & mask_) {
      if (buckets_[i].key == key) return false;
    }
    buckets_[i] = Bucket{key, std::move(value)};
    ++size_;
    return true;
  }

  bool erase(std::uint64_t key) {
    if (key == 0) return false;
    std::size_t i = bucket(key);
    for (; buckets_[i].key != key; i = (i + 1) & mask_) {
      if (buckets_[i].key == 0) return false;
    }
    // Backward shift: move later entries of the probe run into the hole while that keeps each one
    // reachable from its home bucket, so lookups never need tombstones.
    for (std::size_t j = (i + 1) & mask_; buckets_[j].key != 0; j = (j + 1) & mask_) {
      const std::size_t home = bucket(buckets_[j].key);
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        buckets_[i] = std::move(buckets_[j]);
        i = j;
      }
    }
    buckets_[i] = Bucket{};
    --size_;
    return true;
  }

  void clear() {
    if (buckets_.size() > kMinBuckets * 16) {
      rehash(kMinBuckets);
    } else {
      for (auto& b : buckets_) b = Bucket{};
    }
    size_ = 0;
  }

 private:
  struct Bucket {
    std::uint64_t key = 0;
    Value value{};
  };
  static constexpr std::size_t kMinBuckets = 64;

  // Fibonacci hashing: msg_ids of one burst differ only in their low bits.
  std::size_t bucket(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift_) & mask_;
  }

  void rehash(std::size_t count) {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(count, Bucket{});
    mask_ = count - 1;
    shift_ = 64;
    for (std::size_t c = count; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (auto& b : old) {
      if (b.key != 0) insert(b.key, std::move(b.value));
    }
  }

  std::vector<Bucket> buckets_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
};

}  // namespace tgd::mtproto::client_detail
