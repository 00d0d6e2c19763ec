#include "lab/dhcp_client.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "lab/daemons.h"
#include "lab/machine.h"
#include "lab/paths.h"

namespace isthmus::lab {
namespace {

std::string ScriptPath() { return LabRoot() + "/udhcpc.script"; }
std::string LeaseBase(const std::string& instance, const std::string& dev) {
  return LabRoot() + "/leases/" + instance + "-" + dev;
}

}  // namespace

std::string DhcpClientDaemon(const std::string& instance, const std::string& dev) {
  return "dhcp-" + instance + "-" + dev;
}

Status WriteDhcpScript() {
  std::filesystem::create_directories(LabRoot() + "/leases");
  // udhcpc calls it with deconfig | bound | renew | leasefail | nak and the
  // lease in the environment (ip, mask, router, dns, serverid, mtu, lease).
  std::string script = R"SH(#!/bin/sh
# isthmus lab: udhcpc event script (written by `isthmus lab up`).
dev="$interface"
base="LEASES/$(ip netns identify)-$dev"
base="${base%/isth-*}/${base##*/isth-}"
case "$1" in
  deconfig)
    ip addr flush dev "$dev"
    ip link set "$dev" up
    ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set "$dev" mtu "$mtu"
    ip addr replace "$ip/${mask:-24}" dev "$dev"
    if [ -n "$router" ]; then
      ip route replace default via "${router%% *}" dev "$dev"
    fi
    ;;
esac
case "$1" in
  bound|renew|nak|leasefail)
    line=$(printf '{"event":"%s","dev":"%s","ip":"%s","mask":"%s","router":"%s","dns":"%s","serverid":"%s","mtu":"%s","lease":"%s","time":%s}' \
      "$1" "$dev" "$ip" "$mask" "$router" "$dns" "$serverid" "$mtu" "$lease" "$(date +%s)")
    echo "$line" >> "$base.log"
    [ "$1" = bound ] || [ "$1" = renew ] && { echo "$line" > "$base.json.tmp"; mv "$base.json.tmp" "$base.json"; }
    ;;
esac
exit 0
)SH";
  std::string leases = LabRoot() + "/leases";
  script.replace(script.find("LEASES"), 6, leases);
  std::ofstream(ScriptPath()) << script;
  if (chmod(ScriptPath().c_str(), 0755) != 0) return Unavailable("cannot chmod " + ScriptPath());
  return Status::Ok();
}

Status StartDhcpClient(const std::string& instance, const std::string& dev) {
  // -t/-T/-A: discover every second, 5 tries, then again after 1 s, forever.
  auto pid = StartDaemon(DhcpClientDaemon(instance, dev),
                         {"ip", "netns", "exec", InstanceNamespace(instance), "udhcpc", "-f", "-i", dev,
                          "-s", ScriptPath(), "-t", "5", "-T", "1", "-A", "1", "-O", "mtu", "-x",
                          "hostname:" + instance},
                         LabRoot() + "/logs/" + DhcpClientDaemon(instance, dev) + ".log");
  return pid.status();
}

Result<nlohmann::json> ReadLease(const std::string& instance, const std::string& dev) {
  std::ifstream in(LeaseBase(instance, dev) + ".json");
  if (!in) return NotFound("no DHCP lease yet for " + instance + " " + dev);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return Unavailable("unreadable lease file of " + instance + " " + dev);
  return j;
}

int LeaseEvents(const std::string& instance, const std::string& dev) {
  std::ifstream in(LeaseBase(instance, dev) + ".log");
  int n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

Result<nlohmann::json> WaitLease(const std::string& instance, const std::string& dev,
                                 int after_count, int timeout_ms) {
  Status st = WaitFor("a DHCP lease for " + instance + " " + dev, timeout_ms, [&] {
    return LeaseEvents(instance, dev) > after_count && ReadLease(instance, dev).ok();
  });
  if (!st.ok()) return st;
  return ReadLease(instance, dev);
}

}  // namespace isthmus::lab
