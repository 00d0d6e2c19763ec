#include "agent/openflow/flow_text.h"

#include "common/net.h"

namespace isthmus::agent::openflow {
namespace {

bool IsIpv4Field(const Field& f) {
  return f.bytes == 4 && f.oxm_class == 0x8000 && (f.field == 11 || f.field == 12 || f.field == 22 || f.field == 23);
}

Status ParseOne(const Field& field, const std::string& text, Bytes* out) {
  if (field.bytes == 6) {
    auto mac = Mac::Parse(text);
    if (!mac.ok()) return InvalidArgument(field.name + ": bad MAC '" + text + "'");
    *out = Bytes(mac->b.begin(), mac->b.end());
    return Status::Ok();
  }
  if (IsIpv4Field(field)) {
    auto ip = Ipv4::Parse(text);
    if (!ip.ok()) return InvalidArgument(field.name + ": bad IPv4 address '" + text + "'");
    *out = ToBytes(ip->v, 4);
    return Status::Ok();
  }
  uint64_t max = field.bytes >= 8 ? UINT64_MAX : (uint64_t(1) << (8 * field.bytes)) - 1;
  auto n = ParseNumber(text, max);
  if (!n.ok()) return InvalidArgument(field.name + ": " + n.status().message());
  *out = ToBytes(*n, field.bytes);
  return Status::Ok();
}

}  // namespace

std::vector<std::string> SplitTopLevel(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') depth++;
    if (c == ')') depth--;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty() || !out.empty()) out.push_back(cur);
  return out;
}

Result<uint64_t> ParseNumber(const std::string& text, uint64_t max) {
  bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  std::string digits = hex ? text.substr(2) : text;
  if (digits.empty() || digits.size() > (hex ? 16u : 20u)) return InvalidArgument("bad number '" + text + "'");
  uint64_t v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return InvalidArgument("bad number '" + text + "'");
    uint64_t base = hex ? 16 : 10;
    if (v > (UINT64_MAX - d) / base) return InvalidArgument("number out of range '" + text + "'");
    v = v * base + d;
  }
  if (v > max) return InvalidArgument("number out of range '" + text + "'");
  return v;
}

Bytes ToBytes(uint64_t v, size_t bytes) {
  Bytes out(bytes);
  for (size_t i = 0; i < bytes; i++) out[bytes - 1 - i] = i < 8 ? uint8_t(v >> (8 * i)) : 0;
  return out;
}

Status ParseFieldValue(const Field& field, const std::string& text, Bytes* value, Bytes* mask) {
  mask->clear();
  auto slash = text.find('/');
  ISTHMUS_RETURN_IF_ERROR(ParseOne(field, text.substr(0, slash), value));
  if (slash == std::string::npos) return Status::Ok();
  std::string m = text.substr(slash + 1);
  if (IsIpv4Field(field) && m.find('.') == std::string::npos) {
    auto len = ParseNumber(m, 32);
    if (!len.ok()) return InvalidArgument(field.name + ": bad prefix length in '" + text + "'");
    uint32_t bits = *len == 0 ? 0 : ~uint32_t(0) << (32 - *len);
    *mask = ToBytes(bits, 4);
  } else {
    ISTHMUS_RETURN_IF_ERROR(ParseOne(field, m, mask));
  }
  bool all_ones = true;
  for (size_t i = 0; i < mask->size(); i++) {
    (*value)[i] &= (*mask)[i];
    if ((*mask)[i] != 0xff) all_ones = false;
  }
  if (all_ones) mask->clear();
  return Status::Ok();
}

Result<Subfield> ParseSubfield(const std::string& text) {
  auto open = text.find('[');
  if (open == std::string::npos || text.back() != ']')
    return InvalidArgument("bad subfield '" + text + "' (want NAME[] or NAME[a..b])");
  auto field = FieldByNxmName(text.substr(0, open));
  if (!field.ok()) return InvalidArgument(field.status().message());
  std::string range = text.substr(open + 1, text.size() - open - 2);
  Subfield sf{*field, 0, field->bits()};
  if (!range.empty()) {
    auto dots = range.find("..");
    auto lo = ParseNumber(range.substr(0, dots), field->bits() - 1);
    auto hi = dots == std::string::npos ? lo : ParseNumber(range.substr(dots + 2), field->bits() - 1);
    if (!lo.ok() || !hi.ok() || *hi < *lo) return InvalidArgument("bad bit range in '" + text + "'");
    sf.ofs = int(*lo);
    sf.n_bits = int(*hi - *lo + 1);
  }
  return sf;
}

}  // namespace isthmus::agent::openflow
