#include "state/json_scan.h"

#include <cstring>

namespace isthmus::state::json_scan {

size_t SkipWs(Sv t, size_t p) {
  while (p < t.size() && (t[p] == ' ' || t[p] == '\n' || t[p] == '\r' || t[p] == '\t')) ++p;
  return p;
}

// t[p] is '"': the index after its closing quote, or kNpos. (memchr: most
// of a state's bytes are inside strings.)
size_t SkipString(Sv t, size_t p) {
  const char* begin = t.data();
  const char* end = begin + t.size();
  const char* at = begin + p + 1;
  while (at < end) {
    const char* q = static_cast<const char*>(std::memchr(at, '"', end - at));
    if (!q) return kNpos;
    size_t backslashes = 0;
    for (const char* b = q; b > at && b[-1] == '\\'; --b) ++backslashes;
    if (backslashes % 2 == 0) return q - begin + 1;
    at = q + 1;
  }
  return kNpos;
}

// The end of the value starting at p, or kNpos. Brackets are counted, not
// matched: a text that is not JSON is refused by whoever parses the result.
size_t SkipValue(Sv t, size_t p) {
  if (p >= t.size()) return kNpos;
  char c = t[p];
  if (c == '"') return SkipString(t, p);
  if (c == '{' || c == '[') {
    int depth = 0;
    for (; p < t.size(); ++p) {
      char d = t[p];
      if (d == '"') {
        p = SkipString(t, p);
        if (p == kNpos) return kNpos;
        --p;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return p + 1;
      }
    }
    return kNpos;
  }
  size_t q = p;
  while (q < t.size() && ((t[q] >= '0' && t[q] <= '9') || (t[q] >= 'a' && t[q] <= 'z') || t[q] == '-' ||
                          t[q] == '+' || t[q] == '.' || t[q] == 'E'))
    ++q;
  return q == p ? kNpos : q;
}

Sv Trim(Sv t) {
  size_t b = SkipWs(t, 0), e = t.size();
  while (e > b && (t[e - 1] == ' ' || t[e - 1] == '\n' || t[e - 1] == '\r' || t[e - 1] == '\t')) --e;
  return t.substr(b, e - b);
}


// The members of an object's text, in text order.
bool Members(Sv t, std::vector<Member>& out) {
  out.clear();
  size_t p = SkipWs(t, 0);
  if (p >= t.size() || t[p] != '{') return false;
  p = SkipWs(t, p + 1);
  if (p < t.size() && t[p] == '}') return SkipWs(t, p + 1) == t.size();
  while (p < t.size() && t[p] == '"') {
    size_t ke = SkipString(t, p);
    if (ke == kNpos) return false;
    Sv key = t.substr(p, ke - p);
    p = SkipWs(t, ke);
    if (p >= t.size() || t[p] != ':') return false;
    p = SkipWs(t, p + 1);
    size_t ve = SkipValue(t, p);
    if (ve == kNpos) return false;
    out.emplace_back(key, t.substr(p, ve - p));
    p = SkipWs(t, ve);
    if (p < t.size() && t[p] == ',') {
      p = SkipWs(t, p + 1);
      continue;
    }
    return p < t.size() && t[p] == '}' && SkipWs(t, p + 1) == t.size();
  }
  return false;
}

// The elements of an array's text, in order.
bool Elements(Sv t, std::vector<Sv>& out) {
  out.clear();
  size_t p = SkipWs(t, 0);
  if (p >= t.size() || t[p] != '[') return false;
  p = SkipWs(t, p + 1);
  if (p < t.size() && t[p] == ']') return SkipWs(t, p + 1) == t.size();
  while (p < t.size()) {
    size_t ve = SkipValue(t, p);
    if (ve == kNpos) return false;
    out.push_back(t.substr(p, ve - p));
    p = SkipWs(t, ve);
    if (p < t.size() && t[p] == ',') {
      p = SkipWs(t, p + 1);
      continue;
    }
    return p < t.size() && t[p] == ']' && SkipWs(t, p + 1) == t.size();
  }
  return false;
}

Sv FindMember(const std::vector<Member>& m, Sv key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  return {};
}

// An array's change: {"a":{"del":[...],"ins":[...],"mod":[...]}}, the empty lists left out.
void ArrayChanges(const std::string& del, const std::string& ins, const std::string& mod, std::string& out) {
  out += "{\"a\":{";
  bool first = true;
  for (auto [k, list] : {std::pair<const char*, const std::string*>{"del", &del}, {"ins", &ins}, {"mod", &mod}}) {
    if (list->empty()) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":[";
    out += *list;
    out += ']';
  }
  out += "}}";
}

// False when the layout does not fit the text (then JsonDiff scans it).
bool Views(Sv text, const JsonLayout& l, std::vector<Member>& members, std::vector<std::vector<Sv>>& elements) {
  for (const auto& m : l.members) {
    if (m.key_end < m.key_begin || m.value_end < m.value_begin || m.value_end > text.size()) return false;
    for (auto [b, e] : m.elements)
      if (e < b || e > text.size()) return false;
    members.emplace_back(text.substr(m.key_begin, m.key_end - m.key_begin),
                         text.substr(m.value_begin, m.value_end - m.value_begin));
    elements.emplace_back();
    for (auto [b, e] : m.elements) elements.back().push_back(text.substr(b, e - b));
  }
  return true;
}

}  // namespace isthmus::state::json_scan
