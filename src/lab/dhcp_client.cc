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
  // lease in the environment (ip, mask, router, dns, serverid, mtu, lease,
  // staticroutes: option 121 as "DEST/LEN NEXTHOP ...").
  std::string script = R"SH(#!/bin/sh
# isthmus lab: udhcpc event script (written by `isthmus lab up`).
event="$1"
dev="$interface"
base="LEASES/$(ip netns identify)-$dev"
base="${base%/isth-*}/${base##*/isth-}"
case "$event" in
  deconfig)
    ip addr flush dev "$dev"
    ip link set "$dev" up
    ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set "$dev" mtu "$mtu"
    ip addr replace "$ip/${mask:-24}" dev "$dev"
    # The lease's routes, marked proto static: with classless static routes
    # (option 121) the router option is ignored (RFC 3442); routes of an
    # earlier lease that this one lacks are removed.
    keep=" "
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        dst="${1%/32}"; gw="$2"; shift 2
        [ "$dst" = 0.0.0.0/0 ] && dst=default
        ip route replace "$dst" via "$gw" dev "$dev" proto static
        keep="$keep$dst "
      done
    elif [ -n "$router" ]; then
      ip route replace default via "${router%% *}" dev "$dev" proto static
      keep=" default "
    fi
    ip -o route show dev "$dev" proto static | while read -r dst rest; do
      case "$keep" in *" $dst "*) ;; *) ip route del "$dst" dev "$dev" proto static ;; esac
    done
    ;;
esac
case "$event" in
  bound|renew|nak|leasefail)
    line=$(printf '{"event":"%s","dev":"%s","ip":"%s","mask":"%s","router":"%s","dns":"%s","serverid":"%s","mtu":"%s","lease":"%s","routes":"%s","time":%s}' \
      "$event" "$dev" "$ip" "$mask" "$router" "$dns" "$serverid" "$mtu" "$lease" "$staticroutes" "$(date +%s)")
    # The lease first, then the event count: a reader that sees the count
    # grow (WaitLease) must find this lease, not the one before.
    if [ "$event" = bound ] || [ "$event" = renew ]; then
      echo "$line" > "$base.json.tmp"; mv "$base.json.tmp" "$base.json"
    fi
    echo "$line" >> "$base.log"
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
  // -O staticroutes: ask for option 121 (dnsmasq sends only what is asked for).
  auto pid = StartDaemon(DhcpClientDaemon(instance, dev),
                         {"ip", "netns", "exec", InstanceNamespace(instance), "udhcpc", "-f", "-i", dev,
                          "-s", ScriptPath(), "-t", "5", "-T", "1", "-A", "1", "-O", "mtu", "-O", "staticroutes", "-x",
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
