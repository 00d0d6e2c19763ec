#include "agent/socket_watch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace isthmus::agent {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/isthmus-socket-watch-XXXXXX";
  return mkdtemp(tmpl);
}

int BindUnix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

TEST(SocketWatch, WakesWhenTheSocketIsCreated) {
  std::string dir = TempDir();
  SocketWatch watch(dir + "/db.sock");
  StopSignal stop;
  watch.Drain();
  int other = -1, ours = -1;
  std::thread server([&] {
    other = BindUnix(dir + "/other.sock");  // another file: not our event
    ours = BindUnix(dir + "/db.sock");
  });
  // 60 s is only the safety net; the event ends the wait.
  EXPECT_EQ(watch.Wait(stop, 60000), SocketWatch::Event::kCreated);
  server.join();
  close(other);
  close(ours);
  std::filesystem::remove_all(dir);
}

TEST(SocketWatch, KeepsAnEventThatCameBeforeTheWait) {
  std::string dir = TempDir();
  SocketWatch watch(dir + "/br-int.mgmt");
  StopSignal stop;
  watch.Drain();
  int fd = BindUnix(dir + "/br-int.mgmt");  // between a failed connect and the wait
  EXPECT_EQ(watch.Wait(stop, 60000), SocketWatch::Event::kCreated);
  close(fd);
  std::filesystem::remove_all(dir);
}

TEST(SocketWatch, StopEndsTheWait) {
  std::string dir = TempDir();
  SocketWatch watch(dir + "/db.sock");
  StopSignal stop;
  std::thread stopper([&] { stop.Raise(); });
  EXPECT_EQ(watch.Wait(stop, 60000), SocketWatch::Event::kStopped);
  stopper.join();
  EXPECT_TRUE(stop.raised());
  EXPECT_FALSE(stop.SleepFor(60000));
  std::filesystem::remove_all(dir);
}

TEST(SocketWatch, TimesOutWhenNothingHappens) {
  std::string dir = TempDir();
  SocketWatch watch(dir + "/db.sock");
  StopSignal stop;
  EXPECT_EQ(watch.Wait(stop, 1), SocketWatch::Event::kTimeout);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace isthmus::agent
