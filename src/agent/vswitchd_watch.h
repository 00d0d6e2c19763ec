// VswitchdWatch: notices at once when the host's ovs-vswitchd goes away and
// when it answers again. It keeps one OpenFlow connection of its own to
// br-int.mgmt open (HELLO answered, echo replies, nothing else): its end means
// vswitchd closed it (it died or restarted, taking every flow with it); then
// it waits for br-int.mgmt to be created again (inotify) and reconnects. No
// polling, no process.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "agent/socket_watch.h"

namespace isthmus::agent {

class VswitchdWatch {
 public:
  // rundir: vswitchd's OVS_RUNDIR ("" = /var/run/openvswitch). on_lost is
  // called when a connection that had answered ends; on_back when vswitchd
  // answers again after that.
  VswitchdWatch(std::string rundir, std::string bridge, std::function<void()> on_lost,
                std::function<void()> on_back);
  ~VswitchdWatch();
  void Start();
  void Stop();

 private:
  void Loop();
  // Holds one connection to its end; true when vswitchd answered it.
  bool RunMonitor();

  std::string rundir_, bridge_;
  std::function<void()> on_lost_, on_back_;
  std::atomic<bool> stop_{false};
  StopSignal stop_signal_;
  std::thread thread_;
  bool answered_once_ = false;  // the watch thread's
};

}  // namespace isthmus::agent
