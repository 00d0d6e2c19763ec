#include "common/config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace isthmus {
namespace {

TEST(Config, FileThenFlagsOverride) {
  std::string path = "/tmp/isthmus_config_test.conf";
  std::ofstream(path) << "# comment\nname = cloud1\ndvr_mac_federation = true\n";
  auto cfg = Config::Load({{"name", ""}, {"dvr_mac_federation", "true"}, {"listen", "x"}},
                          {"--config", path, "--no-dvr-mac-federation", "--listen=127.0.0.1:1"});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->Get("name"), "cloud1");
  EXPECT_FALSE(cfg->GetBool("dvr_mac_federation"));
  EXPECT_EQ(cfg->Get("listen"), "127.0.0.1:1");
}

TEST(Config, UnknownKeysAreRefusedByName) {
  auto cfg = Config::Load({{"name", ""}}, {"--nmae", "x"});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(), "command line: unknown option 'nmae'");
  std::string path = "/tmp/isthmus_config_test2.conf";
  std::ofstream(path) << "name = a\nbogus = 1\n";
  cfg = Config::Load({{"name", ""}}, {"--config", path});
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(), path + ":2: unknown option 'bogus'");
}

TEST(Config, RequireNamesTheFlag) {
  auto cfg = Config::Load({{"central_url", ""}}, {});
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->Require({"central_url"}).message(), "missing required option --central-url");
}

// A config file holding a password is a secret file: refused while group or
// others may read it, naming the file and the fix; accepted at 0600. A file
// without credentials may stay world-readable.
TEST(Config, FileWithAPasswordMustBePrivate) {
  std::string path = "/tmp/isthmus_config_secret_" + std::to_string(getpid()) + ".conf";
  unlink(path.c_str());
  std::ofstream(path) << "central_user = isthmus-cloud\ncentral_password = s3cret\n";
  chmod(path.c_str(), 0644);
  std::map<std::string, std::string> known = {{"central_user", ""}, {"central_password", ""}};
  auto cfg = Config::Load(known, {"--config", path});
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find(path), std::string::npos) << cfg.status().message();
  EXPECT_NE(cfg.status().message().find("central_password"), std::string::npos) << cfg.status().message();
  EXPECT_NE(cfg.status().message().find("chmod 600 " + path), std::string::npos) << cfg.status().message();
  chmod(path.c_str(), 0640);
  EXPECT_FALSE(Config::Load(known, {"--config", path}).ok());
  chmod(path.c_str(), 0600);
  cfg = Config::Load(known, {"--config", path});
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->Get("central_password"), "s3cret");
  std::ofstream(path) << "central_user = isthmus-cloud\n";
  chmod(path.c_str(), 0644);
  EXPECT_TRUE(Config::Load(known, {"--config", path}).ok());
  unlink(path.c_str());
}

}  // namespace
}  // namespace isthmus
