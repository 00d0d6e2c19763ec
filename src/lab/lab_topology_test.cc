#include "lab/lab_topology.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "lab/routes.h"
#include "lab/topology_file.h"

namespace isthmus::lab {
namespace {

class LabTopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lab_topology_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/lab";  // SaveLabTopology makes it
    setenv("ISTHMUS_LAB_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("ISTHMUS_LAB_DIR");
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }
  std::string dir_;
};

TEST_F(LabTopologyTest, SavedWithOptionsAndInstancesAddedSince) {
  EXPECT_EQ(LoadLabTopology(nlohmann::json::object()).status().code(), Code::kNotFound);
  auto t = LoadTopology("s2");
  ASSERT_TRUE(t.ok());
  t->Apply({.force_legacy = true});
  ASSERT_TRUE(SaveLabTopology(*t).ok());
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/topology.json"));
  // instance5 came later (lab add-instance), on net4 in cloud1.
  nlohmann::json facts = {{"instances",
                           {{"instance1", {{"host", "c1-h1"}, {"nics", {{{"network", "net3"}, {"ip", "10.0.3.11"}}}}}},
                            {"instance5", {{"host", "c1-h2"}, {"nics", {{{"network", "net4"}, {"ip", "10.0.4.15"}}}}}}}}};
  auto back = LoadLabTopology(facts);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->name, "s2");
  ASSERT_EQ(back->instances.size(), 5u);
  EXPECT_EQ(back->instances[4].name, "instance5");
  EXPECT_FALSE(back->routers[0].distributed);
  Routes routes(*back);
  EXPECT_TRUE(routes.Knows("instance5"));
  EXPECT_EQ(routes.DefaultRouter(back->instances[4])->name, "R1");
}

}  // namespace
}  // namespace isthmus::lab
