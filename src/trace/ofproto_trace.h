// What one `ovs-appctl ofproto/trace` said: the flow table steps a packet took
// on each bridge, the actions they ran, the ports it left by, and the tunnel
// it entered. A parser of the tool's text output (Open vSwitch 3.1's format),
// and the packet the trace starts from, written as ofproto/trace's flow string.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace isthmus::trace {

// The fields of a packet the tracer follows (IPv4 only).
struct Packet {
  std::string in_port;  // OVS port name
  std::string dl_src, dl_dst;
  std::string nw_src, nw_dst;
  int nw_ttl = 64;
  std::string proto = "icmp";  // "icmp", "tcp" or "udp"
  int tp_dst = 0;              // tcp/udp destination port
  // Set when the packet arrives over a tunnel.
  std::string tun_id, tun_src, tun_dst;
  // ofproto/trace's flow: "in_port=t-a,icmp,dl_src=...,nw_ttl=64,icmp_type=8".
  std::string FlowString() const;
};

// One flow table step: "25. ip,in_port=2,..., priority 2, cookie 0x15a7" and its actions.
struct TableStep {
  std::string bridge;
  int table = 0;
  std::string match;  // "" for a table-miss ("No match.")
  int priority = -1;  // -1: no flow matched
  std::string cookie;
  std::vector<std::string> actions;
};

struct Output {
  std::string bridge;
  std::string port;       // as printed: a number ("4") or a name
  std::string tunnel_to;  // "10.255.2.2" for an output to a tunnel
};

struct TraceResult {
  std::vector<TableStep> steps;
  std::vector<Output> outputs;
  bool dropped = false;  // datapath actions: drop (or none)
  std::string datapath_actions;
};

// Parses ofproto/trace's text. Never fails: what it does not recognise it skips.
TraceResult ParseOfprotoTrace(const std::string& text);

// Applies what the trace's actions did to the packet's header (set_field of
// eth_src/eth_dst/tun_id, mod_dl_src/mod_dl_dst, dec_ttl), in order.
void ApplyActions(const TraceResult& t, Packet& p);

}  // namespace isthmus::trace
