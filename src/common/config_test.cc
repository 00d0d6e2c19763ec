#include "common/config.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace isthmus
