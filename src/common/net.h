// Addresses of the domain: MAC addresses, IPv4 addresses and IPv4 prefixes.
// Pure value types with strict parsers (bad text is an InvalidArgument, never a
// guess) and canonical formatting, used by IPAM, allocators and the flow compiler.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace isthmus {

struct Mac {
  std::array<uint8_t, 6> b{};

  static Result<Mac> Parse(const std::string& text);
  static Mac FromU64(uint64_t v);
  uint64_t ToU64() const;
  std::string ToString() const;  // "fa:16:3e:00:00:01"
  bool operator==(const Mac&) const = default;
  auto operator<=>(const Mac&) const = default;
};

struct Ipv4 {
  uint32_t v = 0;  // host byte order

  static Result<Ipv4> Parse(const std::string& text);
  std::string ToString() const;
  bool operator==(const Ipv4&) const = default;
  auto operator<=>(const Ipv4&) const = default;
};

struct Cidr {
  Ipv4 network;
  int prefix_len = 0;

  // Accepts "10.0.3.0/24"; refuses host bits set ("10.0.3.1/24") and bad lengths.
  static Result<Cidr> Parse(const std::string& text);
  std::string ToString() const;
  uint32_t Mask() const;
  bool Contains(Ipv4 ip) const;
  bool Overlaps(const Cidr& other) const;
  Ipv4 First() const { return network; }
  Ipv4 Last() const { return Ipv4{network.v | ~Mask()}; }
  Ipv4 Broadcast() const { return Last(); }
  bool operator==(const Cidr&) const = default;
};

// A host's name as it appears in URLs, OVS and namespace names: 1 to 64
// letters, digits, '.', '-' or '_' (not "." or "..").
bool IsValidHostName(const std::string& name);

}  // namespace isthmus
