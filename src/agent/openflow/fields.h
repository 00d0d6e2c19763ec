// The OXM/NXM fields the agent's flows name, by their flow-text names
// ("dl_src", "reg5", "tun_id") and their NXM/OXM names ("NXM_OF_ETH_SRC"):
// class, field number and width, as Open vSwitch's meta-flow.xml defines them.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace isthmus::agent::openflow {

struct Field {
  uint16_t oxm_class = 0;  // 0x0000 NXM_OF, 0x0001 NXM_NX, 0x8000 OXM_OF_BASIC
  uint8_t field = 0;
  uint8_t bytes = 0;
  std::string name;  // as written in flow text (for errors)

  // The 32-bit header: class, field, has-mask bit, payload length.
  uint32_t Header(bool masked) const {
    return uint32_t(oxm_class) << 16 | uint32_t(field) << 9 | (masked ? 1u << 8 : 0u) |
           uint32_t(masked ? bytes * 2 : bytes);
  }
  int bits() const { return bytes * 8; }
  bool operator==(const Field& o) const { return oxm_class == o.oxm_class && field == o.field; }
};

// A match or set_field name of the flow text: "dl_dst", "eth_src", "vlan_vid",
// "reg5", "tun_id", "ct_state"... (the transport ports are resolved by the
// parser from the protocol). NotFound for anything else.
Result<Field> FieldByName(const std::string& name);
// An NXM/OXM name as used in load/move/learn: "NXM_OF_ETH_SRC", "NXM_NX_REG5",
// "OXM_OF_IN_PORT".
Result<Field> FieldByNxmName(const std::string& name);

}  // namespace isthmus::agent::openflow
