#include "protocol/crypto/aes_ige.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "tests/protocol/crypto/test_util.hpp"

using namespace tgd;
using namespace tgd::crypto;
using test::first;

namespace {

// Both implementations when this CPU has AES-NI, else only the portable one.
std::vector<AesImpl> impls() {
  std::vector<AesImpl> out{AesImpl::kPortable};
  if (aes_ni_supported()) out.push_back(AesImpl::kAesNi);
  return out;
}

const char* name(AesImpl impl) { return impl == AesImpl::kAesNi ? "AES-NI" : "portable"; }

}  // namespace

TEST_CASE("AES-128-IGE matches OpenSSL igetest.c (T1 encrypt, T2 decrypt) on every implementation") {
  for (AesImpl impl : impls()) {
    CAPTURE(name(impl));
    const Bytes key1 = test::iota_bytes(16), iv1 = test::iota_bytes(32);
    const AesIge128 t1(first<16>(key1), impl);
    CHECK(t1.impl() == impl);
    Bytes out(32);
    REQUIRE(t1.encrypt(first<32>(iv1), Bytes(32, 0), out));
    CHECK(to_hex(out) == "1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb");

    const Bytes key2 = hex_bytes("5468697320697320616e20696d706c65");
    const Bytes iv2 = hex_bytes("6d656e746174696f6e206f6620494745206d6f646520666f72204f70656e5353");
    const Bytes in2 = hex_bytes("4c2e204c6574277320686f70652042656e20676f74206974207269676874210a");
    REQUIRE(AesIge128(first<16>(key2), impl).decrypt(first<32>(iv2), in2, out));
    CHECK(to_hex(out) == "99706487a1cde613bc6de0b6f24b1c7aa448c8b9c3403e3467a8cad89340f53b");
  }
}

TEST_CASE("AES-256-IGE matches the T3 vector in both directions on every implementation") {
  const Bytes key = test::iota_bytes(32), iv = test::iota_bytes(32, 0x20), plain = test::iota_bytes(64);
  const std::string cipher_hex =
      "42e66e1a756cccf5b27acc47523ad074ee39bf54e3db37bbdf415df6b400fca9"
      "77f708327c9e9341cc3dc8efd31e76463daa65b1f0d0252f790d77f1824a662c";
  for (AesImpl impl : impls()) {
    CAPTURE(name(impl));
    const AesIge256 aes(first<32>(key), impl);
    Bytes out(64), back(64);
    REQUIRE(aes.encrypt(first<32>(iv), plain, out));
    CHECK(to_hex(out) == cipher_hex);
    REQUIRE(aes.decrypt(first<32>(iv), out, back));
    CHECK(back == plain);
  }
}

TEST_CASE("AES-256-IGE works in place and leaves the caller's iv untouched") {
  const Bytes key = test::iota_bytes(32), plain = test::iota_bytes(64);
  const Bytes iv = test::iota_bytes(32, 0x20);
  for (AesImpl impl : impls()) {
    CAPTURE(name(impl));
    const AesIge256 aes(first<32>(key), impl);
    Bytes buffer = plain;
    REQUIRE(aes.encrypt(first<32>(iv), buffer, buffer));
    CHECK(to_hex(buffer).starts_with("42e66e1a756cccf5"));
    REQUIRE(aes.decrypt(first<32>(iv), buffer, buffer));
    CHECK(buffer == plain);
    CHECK(iv == test::iota_bytes(32, 0x20));
  }
}

TEST_CASE("AES-256-IGE round-trips random data at every length up to 4 KiB and at 512 KiB") {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 4096; n += 16) sizes.push_back(n);
  sizes.push_back(512 * 1024);
  for (AesImpl impl : impls()) {
    CAPTURE(name(impl));
    std::uint64_t seed = 100;
    for (std::size_t size : sizes) {
      // The portable path is slow under sanitizers; sample its long inputs.
      if (impl == AesImpl::kPortable && size > 1024 && size % 1024 != 0) continue;
      CAPTURE(size);
      const Bytes key = test::pseudo_random_bytes(32, ++seed), iv = test::pseudo_random_bytes(32, ++seed);
      const Bytes plain = test::pseudo_random_bytes(size, ++seed);
      const AesIge256 aes(first<32>(key), impl);
      Bytes cipher(size), back(size);
      REQUIRE(aes.encrypt(first<32>(iv), plain, cipher));
      REQUIRE(aes.decrypt(first<32>(iv), cipher, back));
      CHECK(back == plain);
      if (size >= 16) CHECK(cipher != plain);
    }
  }
}

TEST_CASE("the AES-NI and portable implementations produce identical output") {
  if (!aes_ni_supported()) {
    MESSAGE("no AES-NI on this CPU: only the portable path exists");
    return;
  }
  for (std::uint64_t seed = 1; seed <= 64; ++seed) {
    const Bytes key = test::pseudo_random_bytes(32, seed * 3),
                iv = test::pseudo_random_bytes(32, seed * 3 + 1);
    const Bytes data = test::pseudo_random_bytes(16 * seed, seed * 3 + 2);
    const AesIge256 fast(first<32>(key), AesImpl::kAesNi), portable(first<32>(key), AesImpl::kPortable);
    REQUIRE(fast.impl() == AesImpl::kAesNi);
    REQUIRE(portable.impl() == AesImpl::kPortable);
    Bytes a(data.size()), b(data.size());
    REQUIRE(fast.encrypt(first<32>(iv), data, a));
    REQUIRE(portable.encrypt(first<32>(iv), data, b));
    CHECK(a == b);
    REQUIRE(fast.decrypt(first<32>(iv), data, a));
    REQUIRE(portable.decrypt(first<32>(iv), data, b));
    CHECK(a == b);
  }
}

TEST_CASE("AES-IGE rejects partial blocks, size mismatches and partially overlapping buffers") {
  const Bytes key = test::iota_bytes(32), iv = test::iota_bytes(32);
  for (AesImpl impl : impls()) {
    CAPTURE(name(impl));
    const AesIge256 aes(first<32>(key), impl);
    Bytes in(48, 1), out(48, 0);
    CHECK_FALSE(aes.encrypt(first<32>(iv), ByteSpan(in).first(15), MutableByteSpan(out).first(15)));
    CHECK_FALSE(aes.decrypt(first<32>(iv), in, MutableByteSpan(out).first(32)));
    CHECK(out == Bytes(48, 0));  // nothing written
    // out starts one block into in: the chain would read blocks it already overwrote.
    Bytes shared(64, 1);
    CHECK_FALSE(aes.encrypt(first<32>(iv), ByteSpan(shared).first(48), MutableByteSpan(shared).subspan(16)));
    CHECK(aes.encrypt(first<32>(iv), ByteSpan(), MutableByteSpan()));  // empty is a no-op
  }
}

TEST_CASE("requesting the portable implementation is honoured, auto picks AES-NI when available") {
  const Bytes key = test::iota_bytes(32);
  CHECK(AesIge256(first<32>(key), AesImpl::kPortable).impl() == AesImpl::kPortable);
  CHECK(AesIge256(first<32>(key)).impl() == (aes_ni_supported() ? AesImpl::kAesNi : AesImpl::kPortable));
}
