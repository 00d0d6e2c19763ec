#include "common/crypto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace isthmus::crypto {
namespace {

TEST(Crypto, RandomBytesDifferEachCall) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto b = RandomBytes(16);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->size(), 16u);
    seen.insert(*b);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Crypto, Sha256KnownAnswer) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

TEST(Crypto, Base64RoundTripsInBothAlphabets) {
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64("fo"), "Zm8");
  EXPECT_EQ(Base64("\xfb\xff", true), "-_8");
  EXPECT_EQ(Base64("\xfb\xff"), "+/8");
  for (size_t n = 0; n < 40; ++n) {
    std::string bytes = *RandomBytes(n);
    EXPECT_EQ(*FromBase64(Base64(bytes)), bytes);
    EXPECT_EQ(*FromBase64(Base64(bytes, true)), bytes);
  }
  EXPECT_EQ(*FromBase64("Zm8="), "fo");
  EXPECT_FALSE(FromBase64("Zm$8").ok());
  EXPECT_FALSE(FromBase64("Zm9vY").ok());  // a lone sixth of a byte
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

}  // namespace
}  // namespace isthmus::crypto

namespace isthmus::crypto {
namespace {

// A text changed from some offset on, again and again: the digest from the
// kept states is the whole text's, whatever the offset and the parts.
}  // namespace
}  // namespace isthmus::crypto
