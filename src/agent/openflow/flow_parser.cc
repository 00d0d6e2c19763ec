#include "agent/openflow/flow_parser.h"

#include <algorithm>
#include <map>

#include "agent/openflow/flow_text.h"

namespace isthmus::agent::openflow {
namespace {

constexpr uint16_t kEthIp = 0x0800, kEthArp = 0x0806;

struct Shorthand {
  uint16_t eth_type;
  int ip_proto;  // -1: none
};
const std::map<std::string, Shorthand> kShorthands = {
    {"ip", {kEthIp, -1}}, {"arp", {kEthArp, -1}}, {"tcp", {kEthIp, 6}},
    {"udp", {kEthIp, 17}}, {"icmp", {kEthIp, 1}}, {"sctp", {kEthIp, 132}},
};

// ct_state flags as Open vSwitch names them (NXM_NX_CT_STATE bits).
const std::map<std::string, uint32_t> kCtStateBits = {
    {"new", 0x01}, {"est", 0x02}, {"rel", 0x04}, {"rpl", 0x08},
    {"inv", 0x10}, {"trk", 0x20}, {"snat", 0x40}, {"dnat", 0x80},
};
const std::map<std::string, uint32_t> kTcpFlagBits = {
    {"fin", 0x001}, {"syn", 0x002}, {"rst", 0x004}, {"psh", 0x008}, {"ack", 0x010},
    {"urg", 0x020}, {"ece", 0x040}, {"cwr", 0x080}, {"ns", 0x100},
};

// "+est-rel+trk" -> value/mask.
Status ParseFlags(const std::string& what, const std::map<std::string, uint32_t>& bits,
                  const std::string& text, uint32_t* value, uint32_t* mask) {
  *value = *mask = 0;
  size_t i = 0;
  while (i < text.size()) {
    char sign = text[i];
    if (sign != '+' && sign != '-') return InvalidArgument(what + ": bad flags '" + text + "'");
    size_t j = text.find_first_of("+-", i + 1);
    std::string name = text.substr(i + 1, j == std::string::npos ? std::string::npos : j - i - 1);
    auto it = bits.find(name);
    if (it == bits.end()) return InvalidArgument(what + ": unknown flag '" + name + "'");
    *mask |= it->second;
    if (sign == '+') *value |= it->second;
    i = j == std::string::npos ? text.size() : j;
  }
  if (*mask == 0) return InvalidArgument(what + ": no flags in '" + text + "'");
  return Status::Ok();
}

// The order fields go on the wire: prerequisites first.
int Rank(const Field& f) {
  if (f.oxm_class != 0x8000) return 100 + f.field;
  static const std::map<int, int> order = {{0, 0}, {3, 1}, {4, 2}, {5, 3}, {6, 4}, {10, 5}};
  auto it = order.find(f.field);
  return it == order.end() ? 10 + f.field : it->second;
}

class MatchBuilder {
 public:
  explicit MatchBuilder(FlowMod* flow) : flow_(flow) {}

  Status Add(const std::string& item) {
    auto eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (eq == std::string::npos) {
      auto s = kShorthands.find(key);
      if (s == kShorthands.end()) return InvalidArgument("unknown match '" + item + "'");
      ISTHMUS_RETURN_IF_ERROR(SetNumber("dl_type", s->second.eth_type));
      if (s->second.ip_proto >= 0) ISTHMUS_RETURN_IF_ERROR(SetNumber("nw_proto", s->second.ip_proto));
      return Status::Ok();
    }
    std::string value = item.substr(eq + 1);
    if (key == "cookie") return Number(value, UINT64_MAX, &flow_->cookie);
    if (key == "table") return Number(value, 254, &flow_->table);
    if (key == "priority") return Number(value, 65535, &flow_->priority);
    if (key == "idle_timeout") return Number(value, 65535, &flow_->idle_timeout);
    if (key == "hard_timeout") return Number(value, 65535, &flow_->hard_timeout);
    if (key == "tp_src" || key == "tp_dst") {
      ports_.push_back({key, value});
      return Status::Ok();
    }
    if (key == "in_port") return InPort(value);
    if (key == "dl_vlan") {
      auto vid = ParseNumber(value, 4095);
      if (!vid.ok()) return InvalidArgument("dl_vlan: " + vid.status().message());
      return SetNumber("dl_vlan", 0x1000 | *vid);
    }
    auto field = FieldByName(key);
    if (!field.ok()) return InvalidArgument("unknown match field '" + key + "'");
    MatchEntry e{*field, {}, {}, {}};
    if (key == "ct_state" || key == "tcp_flags") {
      uint32_t v, m;
      if (value.empty() || (value[0] != '+' && value[0] != '-')) {
        ISTHMUS_RETURN_IF_ERROR(ParseFieldValue(*field, value, &e.value, &e.mask));
        return Put(std::move(e));
      }
      ISTHMUS_RETURN_IF_ERROR(ParseFlags(key, key == "ct_state" ? kCtStateBits : kTcpFlagBits, value, &v, &m));
      e.value = ToBytes(v, field->bytes);
      e.mask = ToBytes(m, field->bytes);
      return Put(std::move(e));
    }
    ISTHMUS_RETURN_IF_ERROR(ParseFieldValue(*field, value, &e.value, &e.mask));
    return Put(std::move(e));
  }

  // Transport ports by protocol, prerequisites, and the wire order.
  Status Finish() {
    int proto = Get(10);
    for (const auto& [key, value] : ports_) {
      const char* p = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 132 ? "sctp" : nullptr;
      if (!p) return InvalidArgument(key + " needs tcp, udp or sctp");
      std::string name = std::string(p) + (key == "tp_src" ? "_src" : "_dst");
      ISTHMUS_RETURN_IF_ERROR(Add(name + "=" + value));
    }
    for (const auto& e : flow_->match.entries) ISTHMUS_RETURN_IF_ERROR(Prerequisites(e.field));
    std::stable_sort(flow_->match.entries.begin(), flow_->match.entries.end(),
                     [](const MatchEntry& a, const MatchEntry& b) { return Rank(a.field) < Rank(b.field); });
    return Status::Ok();
  }

 private:
  template <typename T>
  Status Number(const std::string& text, uint64_t max, T* out) {
    auto n = ParseNumber(text, max);
    if (!n.ok()) return n.status();
    *out = T(*n);
    return Status::Ok();
  }

  Status SetNumber(const std::string& name, uint64_t v) {
    auto field = FieldByName(name);
    if (!field.ok()) return field.status();
    return Put(MatchEntry{*field, ToBytes(v, field->bytes), {}, {}});
  }

  Status InPort(const std::string& value) {
    auto field = FieldByName("in_port");
    MatchEntry e{*field, Bytes(4), {}, PortRef{}};
    auto n = ParseNumber(value, 0xffffff00);
    if (n.ok()) e.port->number = uint32_t(*n);
    else if (value == "LOCAL") e.port->number = kPortLocal;
    else e.port->name = value;
    return Put(std::move(e));
  }

  Status Put(MatchEntry e) {
    for (auto& old : flow_->match.entries) {
      if (!(old.field == e.field)) continue;
      if (old.value == e.value && old.mask == e.mask && old.port == e.port) return Status::Ok();
      return InvalidArgument("field '" + e.field.name + "' matched twice with different values");
    }
    flow_->match.entries.push_back(std::move(e));
    return Status::Ok();
  }

  // The (OXM basic) field's exact value, -1 when not matched.
  int Get(uint8_t oxm_field) const {
    for (const auto& e : flow_->match.entries)
      if (e.field.oxm_class == 0x8000 && e.field.field == oxm_field && e.mask.empty()) {
        int v = 0;
        for (uint8_t b : e.value) v = v << 8 | b;
        return v;
      }
    return -1;
  }

  Status Prerequisites(const Field& f) const {
    if (f.oxm_class == 0x0001 && f.field == 34 && Get(10) != 6) return InvalidArgument("tcp_flags needs tcp");
    if (f.oxm_class == 0x0001 && f.field == 29 && Get(5) != kEthIp) return InvalidArgument("nw_ttl needs ip (dl_type=0x0800)");
    if (f.oxm_class != 0x8000) return Status::Ok();
    int eth = Get(5), proto = Get(10);
    switch (f.field) {
      case 10: case 11: case 12:
        if (eth != kEthIp) return InvalidArgument(f.name + " needs ip (dl_type=0x0800)");
        break;
      case 13: case 14: if (proto != 6) return InvalidArgument(f.name + " needs tcp"); break;
      case 15: case 16: if (proto != 17) return InvalidArgument(f.name + " needs udp"); break;
      case 17: case 18: if (proto != 132) return InvalidArgument(f.name + " needs sctp"); break;
      case 19: case 20: if (proto != 1) return InvalidArgument(f.name + " needs icmp"); break;
      case 21: case 22: case 23: case 24: case 25:
        if (eth != kEthArp) return InvalidArgument(f.name + " needs arp (dl_type=0x0806)");
        break;
      default: break;
    }
    return Status::Ok();
  }

  FlowMod* flow_;
  std::vector<std::pair<std::string, std::string>> ports_;
};

}  // namespace

Result<FlowMod> ParseFlow(const std::string& text, FlowModCommand command) {
  FlowMod flow;
  flow.command = command;
  std::string match = text, actions;
  bool has_actions = false;
  for (size_t at = text.find("actions="); at != std::string::npos; at = text.find("actions=", at + 1)) {
    if (at != 0 && text[at - 1] != ' ' && text[at - 1] != ',') continue;
    match = text.substr(0, at == 0 ? 0 : at - 1);
    actions = text.substr(at + 8);
    has_actions = true;
    break;
  }
  if (command == kAdd && !has_actions) return InvalidArgument("flow '" + text + "' has no actions=");
  if (command != kAdd && has_actions) return InvalidArgument("a delete takes no actions: '" + text + "'");
  MatchBuilder mb(&flow);
  if (!match.empty()) {
    for (const auto& item : SplitTopLevel(match)) {
      Status s = mb.Add(item);
      if (!s.ok()) return InvalidArgument("flow '" + text + "': " + s.message());
    }
  }
  Status s = mb.Finish();
  if (s.ok() && has_actions) s = ParseActions(actions, &flow);
  if (!s.ok()) return InvalidArgument("flow '" + text + "': " + s.message());
  return flow;
}

Result<FlowMod> ParseBundleLine(const std::string& line) {
  auto sp = line.find(' ');
  std::string verb = line.substr(0, sp), rest = sp == std::string::npos ? "" : line.substr(sp + 1);
  if (verb == "add") return ParseFlow(rest, kAdd);
  if (verb == "delete_strict") return ParseFlow(rest, kDeleteStrict);
  return InvalidArgument("unknown bundle line '" + line + "' (want add or delete_strict)");
}

}  // namespace isthmus::agent::openflow
