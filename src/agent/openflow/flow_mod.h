// A flow_mod as typed values: the Match (OXM/NXM entries) and the Action
// variant of the flow-text subset the agent writes (flow_parser.h reads the
// text, flow_mod_encoder.h writes OpenFlow 1.4). Ports named in a flow stay
// names here; the encoder resolves them with the bridge's port numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/openflow/fields.h"
#include "agent/openflow/wire.h"

namespace isthmus::agent::openflow {

// A port as written: a number, a reserved name (in_port, NORMAL, LOCAL) or a
// bridge port's name, resolved at encoding.
struct PortRef {
  std::optional<uint32_t> number;
  std::string name;
  bool operator==(const PortRef&) const = default;
};

struct MatchEntry {
  Field field;
  Bytes value;                 // field.bytes long
  Bytes mask;                  // empty = exact
  std::optional<PortRef> port; // in_port by name: value filled at encoding
};

struct Match {
  std::vector<MatchEntry> entries;  // in prerequisite order (eth_type before nw_src...)
};

// A bit range of a field: NXM_OF_VLAN_TCI[0..11], NXM_OF_ETH_DST[].
struct Subfield {
  Field field;
  int ofs = 0;
  int n_bits = 0;
};

struct Output { PortRef port; };
struct PushVlan { uint16_t ethertype = 0x8100; };
struct PopVlan {};
struct DecTtl {};
struct SetField { Field field; Bytes value; };
struct Load { Subfield dst; uint64_t value = 0; };
struct Move { Subfield src, dst; };
struct Resubmit { std::optional<PortRef> in_port; uint8_t table = 0xff; };
struct Ct { bool commit = false; uint16_t zone = 0; uint8_t table = 0xff; };
struct CtClear {};

// One flow_mod_spec of learn(): a match (dst = src), a load or an output.
struct LearnSpec {
  enum Kind { kMatch, kLoad, kOutput } kind = kMatch;
  std::optional<Subfield> src;  // absent: immediate
  Bytes immediate;              // 2*ceil(n_bits/16) bytes, big-endian
  Subfield dst;                 // unused for kOutput
  int n_bits = 0;
};
struct Learn {
  uint16_t idle_timeout = 0, hard_timeout = 0, priority = 0x8000;
  uint8_t table = 1;
  uint64_t cookie = 0;
  std::vector<LearnSpec> specs;
};

using Action = std::variant<Output, PushVlan, PopVlan, DecTtl, SetField, Load, Move, Resubmit, Ct,
                            CtClear, Learn>;

struct FlowMod {
  FlowModCommand command = kAdd;
  uint8_t table = 0;
  uint16_t priority = 0x8000;
  uint64_t cookie = 0, cookie_mask = 0;
  uint16_t idle_timeout = 0, hard_timeout = 0;
  Match match;
  std::vector<Action> actions;      // the apply-actions instruction
  std::optional<uint8_t> goto_table;
};

}  // namespace isthmus::agent::openflow
