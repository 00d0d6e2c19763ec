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
TEST(Crypto, Sha256PartsRehashFromTheFirstChangedPart) {
  std::mt19937 rng(7);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n)(rng); };
  std::string text(5000, 'a');
  for (auto& c : text) c = static_cast<char>('a' + pick(25));
  auto starts = [&] {
    std::vector<uint32_t> s;
    for (uint32_t at = 0; at < text.size(); at += 1 + static_cast<uint32_t>(pick(700))) s.push_back(at);
    return s;
  };
  auto [digest, parts] = Sha256Parts::Of(text, starts());
  EXPECT_EQ(digest, Sha256Hex(text));
  for (int step = 0; step < 300; ++step) {
    size_t at = pick(text.size());
    std::string tail(pick(300), 'x');
    for (auto& c : tail) c = static_cast<char>('a' + pick(25));
    text = text.substr(0, at) + tail + text.substr(std::min(text.size(), at + pick(300)));
    auto [d, p] = parts.Then(text, starts(), at);
    ASSERT_EQ(d, Sha256Hex(text)) << "step " << step;
    parts = std::move(p);
  }
  EXPECT_EQ(Sha256Parts().Then("abc", {1, 2}, 3).first, Sha256Hex("abc"));
}

}  // namespace
}  // namespace isthmus::crypto
