#include "common/process.h"

#include <gtest/gtest.h>

namespace isthmus {
namespace {

TEST(SystemRunner, CapturesOutputExitCodeAndStdin) {
  SystemRunner r;
  auto out = r.Run({{"sh", "-c", "cat; echo err >&2; exit 3"}, "hello\n", {}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->out, "hello\n");
  EXPECT_EQ(out->err, "err\n");
}

TEST(SystemRunner, CheckQuotesTheFailure) {
  SystemRunner r;
  auto out = r.Check({{"sh", "-c", "echo nope >&2; exit 1"}, "", {}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "`sh -c echo nope >&2; exit 1` exited 1: nope");
}

TEST(SystemRunner, PassesEnvironment) {
  SystemRunner r;
  auto out = r.Check({{"sh", "-c", "echo $ISTHMUS_X"}, "", {{"ISTHMUS_X", "42"}}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "42\n");
}

TEST(SystemRunner, LargeStdinDoesNotDeadlock) {
  SystemRunner r;
  std::string big(1 << 20, 'x');
  auto out = r.Check({{"wc", "-c"}, big, {}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "1048576\n");
}

}  // namespace
}  // namespace isthmus
