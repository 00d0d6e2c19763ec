#include "common/process.h"

#include <gtest/gtest.h>
#include <unistd.h>

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

TEST(SystemRunner, KillsACommandAtItsDeadline) {
  SystemRunner r;
  Command sleep{{"sleep", "10"}, "", {}, 200};
  auto out = r.Run(sleep);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kUnavailable);
  EXPECT_EQ(out.status().message(), "`sleep 10` timed out after 200 ms (killed)");
  auto checked = r.Check(sleep);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().message(), "`sleep 10` timed out after 200 ms (killed)");
}

TEST(SystemRunner, DefaultTimeoutAppliesToEveryCommand) {
  // 1 s, not less: `true` must finish within it on a loaded machine too.
  SystemRunner r(1000);
  auto out = r.Run({{"sleep", "10"}, "", {}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "`sleep 10` timed out after 1000 ms (killed)");
  // A command that finishes in time is not affected.
  auto quick = r.Check({{"true"}, "", {}});
  EXPECT_TRUE(quick.ok());
}

TEST(SystemRunner, TimeoutKillsWhatTheCommandStarted) {
  SystemRunner r;
  // The shell's own child holds the output pipe: killing only the shell would
  // leave it behind (and a reader waiting for EOF).
  auto out = r.Run({{"sh", "-c", "sleep 10; true"}, "", {}, 200});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kUnavailable);
}

TEST(Child, ReportsEndOfOutputWhenTheChildExits) {
  Child c;
  ASSERT_TRUE(c.Spawn({{"sh", "-c", "echo up; exit 3"}, "", {}}).ok());
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = read(c.fd(), buf, sizeof buf)) > 0) got.append(buf, n);
  EXPECT_EQ(got, "up\n");
  EXPECT_EQ(c.Stop(), 3);
  EXPECT_FALSE(c.running());
}

TEST(Child, StopKillsARunningChild) {
  Child c;
  ASSERT_TRUE(c.Spawn({{"sleep", "10"}, "", {}}).ok());
  EXPECT_TRUE(c.running());
  EXPECT_EQ(c.Stop(), 128 + 9);
}

// The agent counts the processes it starts by program (issue 12: none of
// them `ip` while ports come and go).
TEST(SystemRunner, TellsTheObserverEachProgramItStarts) {
  std::vector<std::string> started;
  SetProcessStartObserver([&](const std::string& program) { started.push_back(program); });
  SystemRunner r;
  EXPECT_TRUE(r.Run({{"/bin/true"}, "", {}}).ok());
  EXPECT_TRUE(r.Run({{"sh", "-c", "true"}, "", {}}).ok());
  Child c;
  EXPECT_TRUE(c.Spawn({{"sleep", "5"}, "", {}}).ok());
  c.Stop();
  // A namespace that cannot be joined starts nothing.
  Command in_ns{{"true"}, "", {}};
  in_ns.netns = "isthmus-no-such-namespace";
  EXPECT_EQ(r.Run(in_ns).status().code(), Code::kUnavailable);
  in_ns.netns = "../x";
  EXPECT_EQ(r.Run(in_ns).status().code(), Code::kInvalidArgument);
  SetProcessStartObserver(nullptr);
  EXPECT_TRUE(r.Run({{"true"}, "", {}}).ok());
  EXPECT_EQ(started, (std::vector<std::string>{"true", "sh", "sleep"}));
}

}  // namespace
}  // namespace isthmus
