// ParseActions (flow_parser.h): the actions part of the flow text.
#include <map>

#include "agent/openflow/flow_parser.h"
#include "agent/openflow/flow_text.h"

namespace isthmus::agent::openflow {
namespace {

bool Consume(std::string* text, const std::string& prefix) {
  if (text->rfind(prefix, 0) != 0) return false;
  text->erase(0, prefix.size());
  return true;
}

PortRef Port(const std::string& text) {
  static const std::map<std::string, uint32_t> reserved = {
      {"in_port", kPortInPort}, {"IN_PORT", kPortInPort}, {"NORMAL", kPortNormal},
      {"normal", kPortNormal}, {"LOCAL", kPortLocal}, {"local", kPortLocal}};
  auto r = reserved.find(text);
  if (r != reserved.end()) return PortRef{r->second, ""};
  auto n = ParseNumber(text, 0xffffff00);
  if (n.ok()) return PortRef{uint32_t(*n), ""};
  return PortRef{std::nullopt, text};
}

// "a->b" split.
Status Arrow(const std::string& text, std::string* left, std::string* right) {
  auto at = text.find("->");
  if (at == std::string::npos) return InvalidArgument("missing '->' in '" + text + "'");
  *left = text.substr(0, at);
  *right = text.substr(at + 2);
  return Status::Ok();
}

Result<Action> ParseLoad(const std::string& text) {
  std::string v, d;
  ISTHMUS_RETURN_IF_ERROR(Arrow(text, &v, &d));
  auto dst = ParseSubfield(d);
  if (!dst.ok()) return dst.status();
  uint64_t max = dst->n_bits >= 64 ? UINT64_MAX : (uint64_t(1) << dst->n_bits) - 1;
  auto value = ParseNumber(v, max);
  if (!value.ok()) return InvalidArgument("load: " + value.status().message() + " for " + d);
  return Action(Load{*dst, *value});
}

Result<Action> ParseMove(const std::string& text) {
  std::string s, d;
  ISTHMUS_RETURN_IF_ERROR(Arrow(text, &s, &d));
  auto src = ParseSubfield(s);
  auto dst = ParseSubfield(d);
  if (!src.ok()) return src.status();
  if (!dst.ok()) return dst.status();
  if (src->n_bits != dst->n_bits) return InvalidArgument("move: widths differ in '" + text + "'");
  return Action(Move{*src, *dst});
}

Result<Action> ParseSetField(const std::string& text) {
  std::string v, f;
  ISTHMUS_RETURN_IF_ERROR(Arrow(text, &v, &f));
  auto field = FieldByName(f);
  if (!field.ok()) return InvalidArgument("set_field: unknown field '" + f + "'");
  SetField sf{*field, {}};
  Bytes mask;
  ISTHMUS_RETURN_IF_ERROR(ParseFieldValue(*field, v, &sf.value, &mask));
  if (!mask.empty()) return InvalidArgument("set_field: masks are not supported in '" + text + "'");
  return Action(std::move(sf));
}

// "(,60)", "(port,60)".
Result<Action> ParseResubmit(const std::string& args) {
  auto comma = args.find(',');
  if (comma == std::string::npos) return InvalidArgument("resubmit wants (port,table): '" + args + "'");
  Resubmit r;
  std::string port = args.substr(0, comma), table = args.substr(comma + 1);
  if (!port.empty()) r.in_port = Port(port);
  if (!table.empty()) {
    auto t = ParseNumber(table, 254);
    if (!t.ok()) return InvalidArgument("resubmit: bad table '" + table + "'");
    r.table = uint8_t(*t);
  }
  return Action(r);
}

Result<Action> ParseCt(const std::string& args) {
  Ct ct;
  for (const auto& item : SplitTopLevel(args)) {
    std::string v = item;
    if (item == "commit") {
      ct.commit = true;
    } else if (Consume(&v, "zone=")) {
      auto z = ParseNumber(v, 65535);
      if (!z.ok()) return InvalidArgument("ct: bad zone '" + v + "' (only immediate zones)");
      ct.zone = uint16_t(*z);
    } else if (Consume(&v, "table=")) {
      auto t = ParseNumber(v, 254);
      if (!t.ok()) return InvalidArgument("ct: bad table '" + v + "'");
      ct.table = uint8_t(*t);
    } else {
      return InvalidArgument("ct: unsupported argument '" + item + "' (commit, zone=N, table=N)");
    }
  }
  return Action(ct);
}

Result<LearnSpec> ParseLearnSpec(const std::string& item) {
  LearnSpec spec;
  std::string v = item;
  if (Consume(&v, "output:")) {
    auto src = ParseSubfield(v);
    if (!src.ok()) return src.status();
    spec.kind = LearnSpec::kOutput;
    spec.src = *src;
    spec.n_bits = src->n_bits;
    return spec;
  }
  if (Consume(&v, "load:")) {
    std::string s, d;
    ISTHMUS_RETURN_IF_ERROR(Arrow(v, &s, &d));
    auto dst = ParseSubfield(d);
    if (!dst.ok()) return dst.status();
    spec.kind = LearnSpec::kLoad;
    spec.dst = *dst;
    spec.n_bits = dst->n_bits;
    if (s.find('[') != std::string::npos) {
      auto src = ParseSubfield(s);
      if (!src.ok()) return src.status();
      if (src->n_bits != dst->n_bits) return InvalidArgument("learn: widths differ in '" + item + "'");
      spec.src = *src;
      return spec;
    }
    if (dst->n_bits > 64) return InvalidArgument("learn: immediate wider than 64 bits in '" + item + "'");
    uint64_t max = dst->n_bits >= 64 ? UINT64_MAX : (uint64_t(1) << dst->n_bits) - 1;
    auto n = ParseNumber(s, max);
    if (!n.ok()) return InvalidArgument("learn: " + n.status().message());
    spec.immediate = ToBytes(*n, 2 * ((dst->n_bits + 15) / 16));
    return spec;
  }
  // A match: "DST[]=SRC[]" or "FIELD[..]" (matched against itself).
  auto eq = v.find('=');
  auto dst = ParseSubfield(v.substr(0, eq));
  if (!dst.ok()) return dst.status();
  auto src = eq == std::string::npos ? dst : ParseSubfield(v.substr(eq + 1));
  if (!src.ok()) return src.status();
  if (src->n_bits != dst->n_bits) return InvalidArgument("learn: widths differ in '" + item + "'");
  spec.kind = LearnSpec::kMatch;
  spec.src = *src;
  spec.dst = *dst;
  spec.n_bits = dst->n_bits;
  return spec;
}

Result<Action> ParseLearn(const std::string& args) {
  Learn l;
  for (const auto& item : SplitTopLevel(args)) {
    std::string v = item;
    Result<uint64_t> n = uint64_t(0);
    if (Consume(&v, "table=")) {
      n = ParseNumber(v, 254);
      if (n.ok()) l.table = uint8_t(*n);
    } else if (Consume(&v, "hard_timeout=")) {
      n = ParseNumber(v, 65535);
      if (n.ok()) l.hard_timeout = uint16_t(*n);
    } else if (Consume(&v, "idle_timeout=")) {
      n = ParseNumber(v, 65535);
      if (n.ok()) l.idle_timeout = uint16_t(*n);
    } else if (Consume(&v, "priority=")) {
      n = ParseNumber(v, 65535);
      if (n.ok()) l.priority = uint16_t(*n);
    } else if (Consume(&v, "cookie=")) {
      n = ParseNumber(v);
      if (n.ok()) l.cookie = *n;
    } else {
      auto spec = ParseLearnSpec(item);
      if (!spec.ok()) return InvalidArgument("learn: " + spec.status().message());
      l.specs.push_back(*spec);
      continue;
    }
    if (!n.ok()) return InvalidArgument("learn: bad '" + item + "'");
  }
  return Action(std::move(l));
}

// "name(args)" -> args, or false.
bool Call(const std::string& text, const std::string& name, std::string* args) {
  if (text.rfind(name + "(", 0) != 0 || text.back() != ')') return false;
  *args = text.substr(name.size() + 1, text.size() - name.size() - 2);
  return true;
}

Result<Action> ParseAction(const std::string& item) {
  std::string v = item, args;
  if (Consume(&v, "output:")) return Action(Output{Port(v)});
  if (item == "in_port" || item == "IN_PORT" || item == "NORMAL" || item == "LOCAL") return Action(Output{Port(item)});
  if (item == "pop_vlan" || item == "strip_vlan") return Action(PopVlan{});
  if (item == "dec_ttl") return Action(DecTtl{});
  if (item == "ct_clear") return Action(CtClear{});
  if (Consume(&v, "push_vlan:")) {
    auto t = ParseNumber(v, 0xffff);
    if (!t.ok() || (*t != 0x8100 && *t != 0x88a8)) return InvalidArgument("push_vlan: bad ethertype '" + v + "'");
    return Action(PushVlan{uint16_t(*t)});
  }
  if (Consume(&v, "set_field:")) return ParseSetField(v);
  if (Consume(&v, "load:")) return ParseLoad(v);
  if (Consume(&v, "move:")) return ParseMove(v);
  if (Call(item, "resubmit", &args)) return ParseResubmit(args);
  if (Call(item, "ct", &args)) return ParseCt(args);
  if (Call(item, "learn", &args)) return ParseLearn(args);
  return InvalidArgument("unsupported action '" + item + "'");
}

}  // namespace

Status ParseActions(const std::string& text, FlowMod* flow) {
  if (text == "drop") return Status::Ok();
  if (text.empty()) return InvalidArgument("empty actions");
  auto items = SplitTopLevel(text);
  for (size_t i = 0; i < items.size(); i++) {
    std::string v = items[i];
    if (Consume(&v, "goto_table:")) {
      if (i + 1 != items.size()) return InvalidArgument("goto_table must be the last action");
      auto t = ParseNumber(v, 254);
      if (!t.ok() || *t <= flow->table) return InvalidArgument("goto_table: bad table '" + v + "' (must be later)");
      flow->goto_table = uint8_t(*t);
      continue;
    }
    if (items[i] == "drop") return InvalidArgument("drop must be the only action");
    auto a = ParseAction(items[i]);
    if (!a.ok()) return a.status();
    flow->actions.push_back(std::move(*a));
  }
  return Status::Ok();
}

}  // namespace isthmus::agent::openflow
