#include "common/password_hash.h"

#include <gtest/gtest.h>

namespace isthmus {
namespace {

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  auto h = HashPassword("correct horse", 1000);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->rfind("pbkdf2-sha256$1000$", 0), 0u) << *h;
  EXPECT_TRUE(CheckPasswordHash(*h).ok());
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horsf"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse "));
}

TEST(PasswordHash, SaltedSoTheSamePasswordHashesDifferently) {
  auto a = HashPassword("pw", 1000), b = HashPassword("pw", 1000);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*a, "pw"));
  EXPECT_TRUE(VerifyPassword(*b, "pw"));
}

TEST(PasswordHash, DefaultCostIsStatedInTheString) {
  auto h = HashPassword("pw");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("pbkdf2-sha256$" + std::to_string(kPasswordIterations) + "$", 0), 0u) << *h;
}

TEST(PasswordHash, MalformedHashesAreRefusedWithAReason) {
  std::string good = *HashPassword("pw", 1000);
  for (const std::string& bad :
       {std::string("pw"), std::string("bcrypt$12$abc$def"), std::string("pbkdf2-sha256$x$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"),
        std::string("pbkdf2-sha256$10$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"),  // too few iterations
        std::string("pbkdf2-sha256$1000$$aGFzaGhhc2hoYXNoaGFzaA"), std::string("pbkdf2-sha256$1000$c2FsdHNhbHQ$!!"),
        good + "$extra"}) {
    EXPECT_FALSE(CheckPasswordHash(bad).ok()) << bad;
    EXPECT_FALSE(VerifyPassword(bad, "pw")) << bad;
  }
  EXPECT_FALSE(HashPassword("pw", 10).ok());
}

}  // namespace
}  // namespace isthmus
