// The lexical pieces of Open vSwitch's flow text shared by the match and the
// action parsers: top-level comma splitting, numbers, MAC and IPv4 values
// with masks, and NXM subfields ("NXM_OF_VLAN_TCI[0..11]").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/openflow/flow_mod.h"
#include "common/status.h"

namespace isthmus::agent::openflow {

// Splits at commas outside parentheses ("a,ct(commit,zone=5),b" -> 3 parts).
std::vector<std::string> SplitTopLevel(const std::string& text);
// Decimal or 0x-hex, at most `max`.
Result<uint64_t> ParseNumber(const std::string& text, uint64_t max = UINT64_MAX);
// The value (and mask, empty when exact) of `field` from "v" or "v/m":
// MACs for 6-byte fields, IPv4 (a.b.c.d, /len or /mask) for the IPv4 fields,
// numbers otherwise. A mask of all ones is dropped (exact).
Status ParseFieldValue(const Field& field, const std::string& text, Bytes* value, Bytes* mask);
// "NAME[]", "NAME[a..b]", "NAME[a]".
Result<Subfield> ParseSubfield(const std::string& text);
// v as `bytes` big-endian bytes.
Bytes ToBytes(uint64_t v, size_t bytes);

}  // namespace isthmus::agent::openflow
