#include "common/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace isthmus {
namespace {

std::string TempPath(const std::string& tag) { return "/tmp/isthmus_secret_" + tag + "_" + std::to_string(getpid()); }

TEST(SecretFile, GroupOrOtherAccessIsRefusedNamingTheFix) {
  std::string path = TempPath("check");
  std::ofstream(path) << "x";
  for (mode_t mode : {0644, 0640, 0604, 0660, 0606}) {
    chmod(path.c_str(), mode);
    Status st = CheckSecretFile(path, "passwords");
    ASSERT_FALSE(st.ok()) << std::oct << mode;
    EXPECT_NE(st.message().find("chmod 600 " + path), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("passwords"), std::string::npos) << st.message();
  }
  for (mode_t mode : {0600, 0400}) {
    chmod(path.c_str(), mode);
    EXPECT_TRUE(CheckSecretFile(path, "passwords").ok()) << std::oct << mode;
  }
  unlink(path.c_str());
  EXPECT_FALSE(CheckSecretFile(path, "passwords").ok());  // missing
}

TEST(SecretFile, WrittenOwnerOnlyEvenOverAnOpenFile) {
  std::string path = TempPath("write");
  unlink(path.c_str());
  mode_t old = umask(022);
  ASSERT_TRUE(WriteSecretFile(path, "first").ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  chmod(path.c_str(), 0644);
  ASSERT_TRUE(WriteSecretFile(path, "second").ok());
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  umask(old);
  std::string content;
  std::getline(std::ifstream(path), content);
  EXPECT_EQ(content, "second");
  unlink(path.c_str());
}

}  // namespace
}  // namespace isthmus
