#include "agent/flows.h"

#include <map>
#include <vector>

#include "agent/pipeline.h"
#include "agent/route_flows.h"
#include "agent/security_flows.h"
#include "common/net.h"

namespace isthmus::agent {
namespace {

using state::HostState;

std::string Vlan(int lvid) { return "dl_vlan=" + std::to_string(lvid); }
std::string PushVlan(int lvid) {
  return "push_vlan:0x8100,set_field:" + std::to_string(4096 + lvid) + "->vlan_vid";
}
std::string Goto(int table) { return "goto_table:" + std::to_string(table); }
std::string Output(const std::string& port) { return "output:" + port; }

// The subnet gateway (of this cloud) whose CIDR holds one of the port's IPs.
const state::SubnetGateway* GatewayFor(const HostState& s, const std::string& network_id,
                                       const std::vector<std::string>& ips) {
  for (const auto& gw : s.gateways) {
    if (gw.network_id != network_id) continue;
    auto cidr = Cidr::Parse(gw.cidr);
    if (!cidr.ok()) continue;
    for (const auto& ip : ips) {
      auto addr = Ipv4::Parse(ip);
      if (addr.ok() && cidr->Contains(*addr)) return &gw;
    }
  }
  return nullptr;
}

class Compiler {
 public:
  Compiler(const HostState& s, const OvsPorts& p) : s_(s), p_(p) {
    for (const auto& n : s.networks) lvid_[n.id] = n.lvid;
    for (const auto& n : s.networks) vni_[n.id] = n.vni;
  }

  CompiledFlows Run() {
    IntBase();
    LocalPorts();
    RouterLegs();
    RemotePorts();
    Flooding();
    DvrTrust();
    TunBase();
    Tunnels();
    ArpResponder();
    return std::move(out_);
  }

 private:
  bool Known(const std::string& network_id) const { return lvid_.count(network_id) > 0; }
  int Lvid(const std::string& network_id) const { return lvid_.at(network_id); }

  // br-int: defaults, and frames from br-tun enter forwarding.
  void IntBase() {
    auto& t = out_.br_int;
    t.Add(kIntLocalSwitching, 0, "", "drop");
    t.Add(kIntLocalSwitching, 100, "in_port=" + std::string(kPatchTun), Goto(kIntForward));
    t.Add(kIntDvrToSrcMac, 0, "", "drop");
    t.Add(kIntArpSpoof, 0, "", "drop");
    t.Add(kIntMacSpoof, 0, "", "drop");
    t.Add(kIntForward, 0, "", "drop");
    t.Add(kIntRoute, 0, "", "drop");
    for (int table : {kIntBaseEgress, kIntRulesEgress, kIntBaseIngress, kIntRulesIngress}) t.Add(table, 0, "", "drop");
  }

  // Instance VIFs: tag, port security and security groups, delivery, and the
  // DVR source rewrite.
  void LocalPorts() {
    auto& t = out_.br_int;
    for (const auto& port : s_.ports) {
      auto it = p_.vif_by_iface_id.find(port.id);
      if (it == p_.vif_by_iface_id.end() || !Known(port.network_id)) continue;
      const std::string& vif = it->second;
      int lvid = Lvid(port.network_id);
      std::string in = "in_port=" + vif;
      std::string dst = Vlan(lvid) + ",dl_dst=" + port.mac;
      auto ofport = p_.ofport_by_iface_id.find(port.id);
      if (!port.port_security || ofport == p_.ofport_by_iface_id.end() || ofport->second <= 0) {
        // A DHCP server's port, or a port without port security: anything goes.
        // (A VIF with port security waits for its OpenFlow port, its zone.)
        if (port.port_security) continue;
        t.Add(kIntForward, 20, dst, "pop_vlan," + Output(vif));
        flood_[port.network_id].push_back(Output(vif));
        t.Add(kIntLocalSwitching, 100, in, PushVlan(lvid) + "," + Goto(kIntForward));
        AddRoutedSourceRewrite(port, dst);
        continue;
      }
      int zone = ofport->second;
      t.Add(kIntLocalSwitching, 100, in, PushVlan(lvid) + "," + Goto(kIntArpSpoof));
      AddPortSecurityFlows(s_, port, vif, zone, t);
      // Delivery through the ingress tables: to its MAC, its pairs' MACs, and
      // its copy of every flooded frame.
      t.Add(kIntForward, 20, dst, DeliverTo(zone));
      for (const auto& pair : port.allowed_address_pairs)
        if (pair.mac != port.mac) t.Add(kIntForward, 20, Vlan(lvid) + ",dl_dst=" + pair.mac, DeliverTo(zone));
      flood_[port.network_id].push_back("set_field:" + std::to_string(zone) + "->reg5,resubmit(," +
                                        std::to_string(kIntBaseIngress) + ")");
      AddRoutedSourceRewrite(port, dst);
    }
  }

  // Routed frames (from a trusted DVR MAC or a foreign gateway) get the
  // gateway MAC this instance knows: its own cloud's (requirement 3). With or
  // without port security: without it, routed frames to the port were dropped
  // by table 1's default.
  void AddRoutedSourceRewrite(const state::LocalPort& port, const std::string& dst) {
    if (const auto* gw = GatewayFor(s_, port.network_id, port.ips))
      out_.br_int.Add(kIntDvrToSrcMac, 20, dst, "set_field:" + gw->mac + "->eth_src," + Goto(kIntForward));
  }

  // Router legs (qr- devices, and the sg- legs of SNAT instances) plugged into
  // br-int, east-west routing by flows (route_flows.h), and the DVR process
  // on br-tun. Only the flows naming a leg's OVS port wait for it.
  void RouterLegs() {
    auto slots = RouterSlots(s_.routers);
    for (const auto& router : s_.routers) {
      bool snat = router.kind == "snat";
      bool by_flows = RoutedByFlows(router);
      if (by_flows) AddRouteFlows(router, slots.at(router.id), lvid_, p_, out_.br_int);
      for (const auto& leg : router.interfaces) {
        if (!Known(leg.network_id)) continue;
        std::string name = LegPeerName(RouterLegKind(router.kind), leg.port_id);
        int lvid = Lvid(leg.network_id);
        if (p_.Has(name)) {
          out_.br_int.Add(kIntLocalSwitching, 100, "in_port=" + name, PushVlan(lvid) + "," + Goto(kIntForward));
          flood_[leg.network_id].push_back(Output(name));
          if (!by_flows) out_.br_int.Add(kIntForward, 20, Vlan(lvid) + ",dl_dst=" + leg.mac, "pop_vlan," + Output(name));
        }
        // Frames a DVR router routed toward its SNAT leg arrive from a trusted
        // DVR MAC: delivered as they are (the leg is no instance).
        if (snat) out_.br_int.Add(kIntDvrToSrcMac, 20, Vlan(lvid) + ",dl_dst=" + leg.mac, Goto(kIntForward));
        if (!router.distributed || snat) continue;
        // Every host of a DVR router holds its gateway MAC: a frame to it from
        // another host is routed only by the host serving other clouds
        // (requirement 7), never by every host it was flooded to.
        if (!leg.serves_other_clouds)
          out_.br_int.Add(kIntLocalSwitching, 103,
                          "in_port=" + std::string(kPatchTun) + "," + Vlan(lvid) + ",dl_dst=" + leg.mac, "drop");
        // A frame to the local gateway never leaves the host; a frame routed
        // here leaves with this host's DVR MAC as source.
        out_.br_tun.Add(kTunDvrProcess, 2, Vlan(lvid) + ",dl_dst=" + leg.mac, "drop");
        out_.br_tun.Add(kTunDvrProcess, 1, Vlan(lvid) + ",dl_src=" + leg.mac,
                        "set_field:" + s_.dvr_mac + "->eth_src," + Goto(kTunPatchLvToTun));
      }
    }
  }

  // fdb: unicast to known remote MACs goes straight to the right tunnel.
  void RemotePorts() {
    for (const auto& rp : s_.remote_ports) {
      if (!Known(rp.network_id)) continue;
      std::string tun = TunnelPortName(rp.vtep);
      if (!p_.Has(tun)) continue;
      int lvid = Lvid(rp.network_id);
      std::string dst = Vlan(lvid) + ",dl_dst=" + rp.mac;
      out_.br_int.Add(kIntForward, 10, dst, Output(kPatchTun));
      out_.br_tun.Add(kTunUcastToTun, 2, dst,
                      "pop_vlan,set_field:" + std::to_string(vni_.at(rp.network_id)) +
                          "->tun_id," + Output(tun));
    }
  }

  // Broadcast and unknown unicast: every local port of the network and br-tun;
  // br-tun replicates to the VTEPs that have ports on the network.
  void Flooding() {
    for (const auto& net : s_.networks) {
      std::string actions = Output(kPatchTun);
      auto it = flood_.find(net.id);
      if (it != flood_.end()) {
        actions += ",pop_vlan";
        for (const auto& port : it->second) actions += "," + port;
      }
      out_.br_int.Add(kIntForward, 1, Vlan(net.lvid), actions);
      std::string tunnels;
      for (const auto& vtep : net.flood_vteps) {
        std::string tun = TunnelPortName(vtep);
        if (p_.Has(tun)) tunnels += "," + Output(tun);
      }
      std::string set_vni = "pop_vlan,set_field:" + std::to_string(net.vni) + "->tun_id";
      if (!tunnels.empty()) out_.br_tun.Add(kTunFloodToTun, 1, Vlan(net.lvid), set_vni + tunnels);
      // DHCP broadcasts (client and server side) reach only this cloud's hosts:
      // each cloud's DHCP server answers its own instances (issue 3).
      std::string cloud_tunnels;
      for (const auto& vtep : net.cloud_flood_vteps) {
        std::string tun = TunnelPortName(vtep);
        if (p_.Has(tun)) cloud_tunnels += "," + Output(tun);
      }
      for (const char* dhcp : {"udp,tp_src=68,tp_dst=67", "udp,tp_src=67,tp_dst=68"})
        out_.br_tun.Add(kTunFloodToTun, 2, std::string(dhcp) + "," + Vlan(net.lvid),
                        cloud_tunnels.empty() ? "drop" : set_vni + cloud_tunnels);
    }
    for (const auto& drop : s_.gateway_arp_drop) {
      if (!Known(drop.network_id)) continue;
      out_.br_tun.Add(kTunFloodToTun, 3, "arp," + Vlan(Lvid(drop.network_id)) + ",arp_tpa=" + drop.ip,
                      "drop");
    }
  }

  // requirement 2: trusted DVR MACs (and other clouds' gateway MACs)
  // skip learning and reach the source rewrite; any other source in the DVR MAC
  // space is dropped at both bridges.
  void DvrTrust() {
    std::string from_tun = "in_port=" + std::string(kPatchTun);
    for (const auto& mac : s_.trusted_dvr_macs) {
      out_.br_int.Add(kIntLocalSwitching, 102, from_tun + ",dl_src=" + mac, Goto(kIntDvrToSrcMac));
      out_.br_tun.Add(kTunDvrNotLearn, 2, "dl_src=" + mac, Output(kPatchInt));
    }
    for (const auto& fg : s_.foreign_gateways) {
      if (!Known(fg.network_id)) continue;
      std::string m = Vlan(Lvid(fg.network_id)) + ",dl_src=" + fg.mac;
      out_.br_int.Add(kIntLocalSwitching, 102, from_tun + "," + m, Goto(kIntDvrToSrcMac));
      out_.br_tun.Add(kTunDvrNotLearn, 2, m, Output(kPatchInt));
    }
    if (!s_.dvr_mac_space.empty()) {
      out_.br_int.Add(kIntLocalSwitching, 101, from_tun + ",dl_src=" + s_.dvr_mac_space, "drop");
      out_.br_tun.Add(kTunDvrNotLearn, 1, "dl_src=" + s_.dvr_mac_space, "drop");
    }
  }

  void TunBase() {
    auto& t = out_.br_tun;
    t.Add(kTunLocalSwitching, 0, "", "drop");
    t.Add(kTunLocalSwitching, 1, "in_port=" + std::string(kPatchInt), Goto(kTunDvrProcess));
    t.Add(kTunDvrProcess, 0, "", Goto(kTunPatchLvToTun));
    t.Add(kTunPatchLvToTun, 1, "arp,dl_dst=ff:ff:ff:ff:ff:ff", Goto(kTunArpResponder));
    t.Add(kTunPatchLvToTun, 0, "dl_dst=00:00:00:00:00:00/01:00:00:00:00:00", Goto(kTunUcastToTun));
    t.Add(kTunPatchLvToTun, 0, "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00", Goto(kTunFloodToTun));
    t.Add(kTunVxlanToLv, 0, "", "drop");
    t.Add(kTunDvrNotLearn, 0, "", Goto(kTunLearnFromTun));
    t.Add(kTunLearnFromTun, 1, "",
          "learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],"
          "NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],"
          "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:" +
              std::string(kPatchInt));
    t.Add(kTunUcastToTun, 0, "", Goto(kTunFloodToTun));
    t.Add(kTunArpResponder, 0, "", Goto(kTunFloodToTun));
    t.Add(kTunFloodToTun, 0, "", "drop");
  }

  void Tunnels() {
    for (const auto& vtep : s_.tunnels) {
      std::string tun = TunnelPortName(vtep);
      if (p_.Has(tun)) out_.br_tun.Add(kTunLocalSwitching, 1, "in_port=" + tun, Goto(kTunVxlanToLv));
    }
    for (const auto& net : s_.networks)
      out_.br_tun.Add(kTunVxlanToLv, 1, "tun_id=" + std::to_string(net.vni),
                      PushVlan(net.lvid) + "," + Goto(kTunDvrNotLearn));
  }

  // ARP requests for known remote addresses are answered on this host.
  void ArpResponder() {
    for (const auto& e : s_.arp_responder) {
      if (!Known(e.network_id)) continue;
      std::string reply = ArpReplyActions(e.mac, e.ip);
      if (reply.empty()) continue;
      out_.br_tun.Add(kTunArpResponder, 1, "arp," + Vlan(Lvid(e.network_id)) + ",arp_op=1,arp_tpa=" + e.ip, reply);
    }
  }

  const HostState& s_;
  const OvsPorts& p_;
  std::map<std::string, int> lvid_;
  std::map<std::string, int> vni_;
  std::map<std::string, std::vector<std::string>> flood_;  // network -> actions delivering to each local port
  CompiledFlows out_;
};

}  // namespace

CompiledFlows CompileFlows(const HostState& state, const OvsPorts& ports) {
  return Compiler(state, ports).Run();
}

}  // namespace isthmus::agent
