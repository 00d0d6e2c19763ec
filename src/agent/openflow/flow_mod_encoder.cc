#include "agent/openflow/flow_mod_encoder.h"

namespace isthmus::agent::openflow {
namespace {

constexpr uint16_t kOfpatOutput = 0, kOfpatPushVlan = 17, kOfpatPopVlan = 18, kOfpatDecNwTtl = 24,
                   kOfpatSetField = 25, kOfpatExperimenter = 0xffff;
constexpr uint16_t kOfpitGotoTable = 1, kOfpitApplyActions = 4;
constexpr uint16_t kNxastRegMove = 6, kNxastRegLoad = 7, kNxastResubmitTable = 14, kNxastLearn = 16,
                   kNxastCt = 35, kNxastCtClear = 43;
constexpr uint16_t kNxCtCommit = 1;
constexpr uint16_t kOfppInPort10 = 0xfff8;  // OpenFlow 1.0 numbering, as NXAST_RESUBMIT uses

Result<uint32_t> Resolve(const PortRef& p, const PortNumbers& ports) {
  if (p.number) return *p.number;
  auto it = ports.find(p.name);
  if (it == ports.end()) return NotFound("no port '" + p.name + "' on the bridge");
  return it->second;
}

// An NX action: header now, length patched by End.
size_t NxStart(Writer& w, uint16_t subtype) {
  size_t at = w.size();
  w.U16(kOfpatExperimenter), w.U16(0), w.U32(kNiciraVendor), w.U16(subtype);
  return at;
}
void End(Writer& w, size_t at) {
  w.PadTo8();
  w.PatchU16(at + 2, uint16_t(w.size() - at));
}

void PutSubfield(Writer& w, const Subfield& s) { w.U32(s.field.Header(false)), w.U16(uint16_t(s.ofs)); }

void EncodeLearn(Writer& w, const Learn& l) {
  size_t at = NxStart(w, kNxastLearn);
  w.U16(l.idle_timeout), w.U16(l.hard_timeout), w.U16(l.priority), w.U64(l.cookie);
  w.U16(0), w.U8(l.table), w.U8(0), w.U16(0), w.U16(0);
  for (const auto& s : l.specs) {
    uint16_t src = s.src ? 0 : 1 << 13;
    uint16_t dst = s.kind == LearnSpec::kMatch ? 0 : s.kind == LearnSpec::kLoad ? 1 << 11 : 2 << 11;
    w.U16(src | dst | uint16_t(s.n_bits));
    if (s.src) PutSubfield(w, *s.src);
    else w.Append(s.immediate);
    if (s.kind != LearnSpec::kOutput) PutSubfield(w, s.dst);
  }
  End(w, at);
}

Status EncodeAction(Writer& w, const Action& action, const PortNumbers& ports) {
  if (auto* o = std::get_if<Output>(&action)) {
    auto port = Resolve(o->port, ports);
    if (!port.ok()) return port.status();
    w.U16(kOfpatOutput), w.U16(16), w.U32(*port), w.U16(0), w.Zeros(6);
  } else if (auto* p = std::get_if<PushVlan>(&action)) {
    w.U16(kOfpatPushVlan), w.U16(8), w.U16(p->ethertype), w.Zeros(2);
  } else if (std::holds_alternative<PopVlan>(action)) {
    w.U16(kOfpatPopVlan), w.U16(8), w.Zeros(4);
  } else if (std::holds_alternative<DecTtl>(action)) {
    w.U16(kOfpatDecNwTtl), w.U16(8), w.Zeros(4);
  } else if (auto* s = std::get_if<SetField>(&action)) {
    size_t at = w.size();
    w.U16(kOfpatSetField), w.U16(0), w.U32(s->field.Header(false)), w.Append(s->value);
    End(w, at);
  } else if (auto* l = std::get_if<Load>(&action)) {
    size_t at = NxStart(w, kNxastRegLoad);
    w.U16(uint16_t(l->dst.ofs << 6 | (l->dst.n_bits - 1))), w.U32(l->dst.field.Header(false)), w.U64(l->value);
    End(w, at);
  } else if (auto* m = std::get_if<Move>(&action)) {
    size_t at = NxStart(w, kNxastRegMove);
    w.U16(uint16_t(m->src.n_bits)), w.U16(uint16_t(m->src.ofs)), w.U16(uint16_t(m->dst.ofs));
    w.U32(m->src.field.Header(false)), w.U32(m->dst.field.Header(false));
    End(w, at);
  } else if (auto* r = std::get_if<Resubmit>(&action)) {
    uint16_t in_port = kOfppInPort10;
    if (r->in_port) {
      auto port = Resolve(*r->in_port, ports);
      if (!port.ok()) return port.status();
      // NXAST_RESUBMIT_TABLE carries a 16-bit (OpenFlow 1.0) port number.
      in_port = *port >= 0xffffff00 ? uint16_t(*port - 0xffff0000) : uint16_t(*port);
    }
    size_t at = NxStart(w, kNxastResubmitTable);
    w.U16(in_port), w.U8(r->table), w.Zeros(3);
    End(w, at);
  } else if (auto* c = std::get_if<Ct>(&action)) {
    size_t at = NxStart(w, kNxastCt);
    w.U16(c->commit ? kNxCtCommit : 0), w.U32(0), w.U16(c->zone), w.U8(c->table), w.Zeros(3), w.U16(0);
    End(w, at);
  } else if (std::holds_alternative<CtClear>(action)) {
    size_t at = NxStart(w, kNxastCtClear);
    w.Zeros(6);
    End(w, at);
  } else if (auto* le = std::get_if<Learn>(&action)) {
    EncodeLearn(w, *le);
  }
  return Status::Ok();
}

Status EncodeMatch(Writer& w, const Match& match, const PortNumbers& ports) {
  size_t at = w.size();
  w.U16(1 /* OFPMT_OXM */), w.U16(0);
  for (const auto& e : match.entries) {
    w.U32(e.field.Header(!e.mask.empty()));
    if (e.port) {
      auto port = Resolve(*e.port, ports);
      if (!port.ok()) return port.status();
      w.U32(*port);
    } else {
      w.Append(e.value);
    }
    w.Append(e.mask);
  }
  w.PatchU16(at + 2, uint16_t(w.size() - at));
  w.PadTo8();
  return Status::Ok();
}

}  // namespace

Result<Bytes> EncodeFlowMod(const FlowMod& f, const PortNumbers& ports, uint32_t xid) {
  Writer w;
  size_t start = StartMessage(w, kFlowMod, xid);
  w.U64(f.cookie), w.U64(f.cookie_mask);
  w.U8(f.command == kDelete && f.table == 0xff ? kTableAll : f.table), w.U8(f.command);
  w.U16(f.idle_timeout), w.U16(f.hard_timeout), w.U16(f.priority);
  w.U32(kNoBuffer), w.U32(kPortAny), w.U32(kGroupAny), w.U16(0 /* flags */), w.U16(0 /* importance */);
  ISTHMUS_RETURN_IF_ERROR(EncodeMatch(w, f.match, ports));
  if (!f.actions.empty()) {
    size_t at = w.size();
    w.U16(kOfpitApplyActions), w.U16(0), w.Zeros(4);
    for (const auto& a : f.actions) ISTHMUS_RETURN_IF_ERROR(EncodeAction(w, a, ports));
    w.PatchU16(at + 2, uint16_t(w.size() - at));
  }
  if (f.goto_table) w.U16(kOfpitGotoTable), w.U16(8), w.U8(*f.goto_table), w.Zeros(3);
  if (w.size() - start > 0xffff) return InvalidArgument("flow_mod longer than 64 KiB");
  FinishMessage(w, start);
  return std::move(w.bytes());
}

std::string Hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (uint8_t c : b) out += d[c >> 4], out += d[c & 15];
  return out;
}

}  // namespace isthmus::agent::openflow
