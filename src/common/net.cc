#include "common/net.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

namespace isthmus {
namespace {

bool ParseDecimal(const std::string& s, long min, long max, long* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  if (s.size() > 1 && s[0] == '0') return false;  // no octal-looking leading zeros
  long v = std::strtol(s.c_str(), nullptr, 10);
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<Mac> Mac::Parse(const std::string& text) {
  auto parts = Split(text, ':');
  if (parts.size() != 6) return InvalidArgument("'" + text + "' is not a MAC address");
  Mac mac;
  for (size_t i = 0; i < 6; ++i) {
    if (parts[i].size() != 2 || HexDigit(parts[i][0]) < 0 || HexDigit(parts[i][1]) < 0)
      return InvalidArgument("'" + text + "' is not a MAC address");
    mac.b[i] = static_cast<uint8_t>(HexDigit(parts[i][0]) * 16 + HexDigit(parts[i][1]));
  }
  return mac;
}

Mac Mac::FromU64(uint64_t v) {
  Mac mac;
  for (int i = 5; i >= 0; --i) {
    mac.b[i] = static_cast<uint8_t>(v & 0xff);
    v >>= 8;
  }
  return mac;
}

uint64_t Mac::ToU64() const {
  uint64_t v = 0;
  for (uint8_t x : b) v = (v << 8) | x;
  return v;
}

std::string Mac::ToString() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
                b[5]);
  return buf;
}

Result<Ipv4> Ipv4::Parse(const std::string& text) {
  auto parts = Split(text, '.');
  if (parts.size() != 4) return InvalidArgument("'" + text + "' is not an IPv4 address");
  uint32_t v = 0;
  for (const auto& p : parts) {
    long octet;
    if (!ParseDecimal(p, 0, 255, &octet))
      return InvalidArgument("'" + text + "' is not an IPv4 address");
    v = (v << 8) | static_cast<uint32_t>(octet);
  }
  return Ipv4{v};
}

std::string Ipv4::ToString() const {
  std::ostringstream o;
  o << ((v >> 24) & 0xff) << '.' << ((v >> 16) & 0xff) << '.' << ((v >> 8) & 0xff) << '.'
    << (v & 0xff);
  return o.str();
}

Result<Cidr> Cidr::Parse(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos)
    return InvalidArgument("'" + text + "' is not a CIDR (expected a.b.c.d/len)");
  auto ip = Ipv4::Parse(text.substr(0, slash));
  long len;
  if (!ip.ok() || !ParseDecimal(text.substr(slash + 1), 0, 32, &len))
    return InvalidArgument("'" + text + "' is not a CIDR (expected a.b.c.d/len)");
  Cidr c{*ip, static_cast<int>(len)};
  if ((ip->v & ~c.Mask()) != 0)
    return InvalidArgument("'" + text + "' has host bits set; did you mean " +
                           Ipv4{ip->v & c.Mask()}.ToString() + "/" + std::to_string(len) + "?");
  return c;
}

std::string Cidr::ToString() const { return network.ToString() + "/" + std::to_string(prefix_len); }

uint32_t Cidr::Mask() const {
  return prefix_len == 0 ? 0u : ~uint32_t{0} << (32 - prefix_len);
}

bool Cidr::Contains(Ipv4 ip) const { return (ip.v & Mask()) == network.v; }

bool Cidr::Overlaps(const Cidr& other) const {
  return Contains(other.network) || other.Contains(network);
}

bool InDvrMacSpace(const Mac& mac) { return mac.b[0] == 0xfa && mac.b[1] == 0x16 && mac.b[2] == 0x3f; }

Result<DvrMacPrefix> DvrMacPrefix::Parse(const std::string& text) {
  auto bad = [&] {
    return InvalidArgument("'" + text + "' is not a DVR MAC prefix (fa:16:3f:01 to fa:16:3f:ff)");
  };
  if (text.size() != 11 || text.compare(0, 9, "fa:16:3f:") != 0) return bad();
  int hi = HexDigit(text[9]), lo = HexDigit(text[10]);
  if (hi < 0 || lo < 0 || hi * 16 + lo == 0) return bad();
  return DvrMacPrefix{hi * 16 + lo};
}

std::string DvrMacPrefix::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "fa:16:3f:%02x", index & 0xff);
  return buf;
}

bool DvrMacPrefix::Contains(const Mac& mac) const { return InDvrMacSpace(mac) && mac.b[3] == index; }

Result<IfaceAddress> IfaceAddress::Parse(const std::string& text) {
  auto slash = text.find('/');
  long len;
  if (slash == std::string::npos || !ParseDecimal(text.substr(slash + 1), 0, 32, &len))
    return InvalidArgument("'" + text + "' is not an interface address (expected a.b.c.d/len)");
  auto ip = Ipv4::Parse(text.substr(0, slash));
  if (!ip.ok()) return InvalidArgument("'" + text + "' is not an interface address (expected a.b.c.d/len)");
  return IfaceAddress{*ip, static_cast<int>(len)};
}

std::string IfaceAddress::ToString() const { return ip.ToString() + "/" + std::to_string(prefix_len); }

bool IsValidVni(int64_t vni) { return vni >= 1 && vni <= 0xffffff; }

bool IsValidId(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
             std::string::npos;
}

int64_t Utf8Length(const std::string& text) {
  int64_t chars = 0;
  for (size_t i = 0; i < text.size(); ++chars) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > text.size()) return -1;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return -1;
    i += n;
  }
  return chars;
}

bool IsValidName(const std::string& text, size_t max_chars) {
  int64_t n = Utf8Length(text);
  return n >= 0 && static_cast<size_t>(n) <= max_chars;
}

bool IsValidDnsLabel(const std::string& label) {
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         label.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
             std::string::npos;
}

bool IsValidHostName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && name != "." && name != ".." &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
             std::string::npos;
}

}  // namespace isthmus
