#include "state/json_delta.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

namespace isthmus::state {
namespace {

using Sv = std::string_view;
using Member = std::pair<Sv, Sv>;  // key (with its quotes), value: raw text
constexpr size_t kNpos = Sv::npos;

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

bool IsObject(Sv v) { return !v.empty() && v[0] == '{'; }
bool IsArray(Sv v) { return !v.empty() && v[0] == '['; }

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

// Two objects of an array are one thing changed (diffed member by member)
// rather than one removed and another added when they have the same "id",
// or, having none, the same "network_id".
bool SameIdentity(Sv x, Sv y) {
  if (!IsObject(x) || !IsObject(y)) return false;
  std::vector<Member> mx, my;
  if (!Members(x, mx) || !Members(y, my)) return false;
  for (Sv key : {Sv("\"id\""), Sv("\"network_id\"")}) {
    Sv ix = FindMember(mx, key), iy = FindMember(my, key);
    if (!ix.empty() || !iy.empty()) return ix == iy;
  }
  return false;
}

void Replace(Sv b, std::string& out) {
  out += "{\"=\":";
  out += b;
  out += '}';
}

Status DiffInto(Sv a, Sv b, std::string& out);

Status DiffObject(Sv a, Sv b, std::string& out) {
  std::vector<Member> ma, mb;
  if (!Members(a, ma) || !Members(b, mb)) return InvalidArgument("json delta: not a JSON object");
  out += "{\"o\":{";
  bool first = true;
  auto key = [&](Sv k) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += ':';
  };
  size_t i = 0, j = 0;
  while (i < ma.size() || j < mb.size()) {
    if (j == mb.size() || (i < ma.size() && ma[i].first < mb[j].first)) {
      key(ma[i++].first);
      out += "{\"-\":1}";
    } else if (i == ma.size() || mb[j].first < ma[i].first) {
      key(mb[j].first);
      Replace(mb[j++].second, out);
    } else {
      if (ma[i].second != mb[j].second) {
        key(ma[i].first);
        ISTHMUS_RETURN_IF_ERROR(DiffInto(ma[i].second, mb[j].second, out));
      }
      ++i, ++j;
    }
  }
  out += "}}";
  return Status::Ok();
}

Status DiffArray(Sv a, Sv b, std::string& out) {
  std::vector<Sv> ea, eb;
  if (!Elements(a, ea) || !Elements(b, eb)) return InvalidArgument("json delta: not a JSON array");
  // The common head and tail cost no hashing: a sorted array that gained or
  // lost a few elements is mostly both.
  size_t na = ea.size(), nb = eb.size(), head = 0, tail = 0;
  while (head < na && head < nb && ea[head] == eb[head]) ++head;
  while (tail < na - head && tail < nb - head && ea[na - 1 - tail] == eb[nb - 1 - tail]) ++tail;
  // How many times each text remains ahead, on either side.
  std::unordered_map<Sv, int> ahead_a, ahead_b;
  ahead_a.reserve(na - tail - head), ahead_b.reserve(nb - tail - head);
  for (size_t i = head; i < na - tail; ++i) ++ahead_a[ea[i]];
  for (size_t j = head; j < nb - tail; ++j) ++ahead_b[eb[j]];
  std::string del, ins, mod;
  auto sep = [](std::string& s) {
    if (!s.empty()) s += ',';
  };
  size_t i = head, j = head;
  while (i < na - tail || j < nb - tail) {
    bool more_a = i < na - tail, more_b = j < nb - tail;
    enum { kMatch, kDel, kIns, kMod } step;
    if (more_a && more_b && ea[i] == eb[j]) step = kMatch;
    else if (!more_a) step = kIns;
    else if (!more_b) step = kDel;
    else {
      auto ahead = [](const std::unordered_map<Sv, int>& m, Sv x) {
        auto it = m.find(x);
        return it != m.end() && it->second > 0;
      };
      bool a_later = ahead(ahead_b, ea[i]), b_later = ahead(ahead_a, eb[j]);
      if (!a_later && !b_later && SameIdentity(ea[i], eb[j])) step = kMod;
      else if (!a_later) step = kDel;
      else if (!b_later) step = kIns;
      else step = kDel;  // both further on: order changed, this one goes
    }
    if (step == kDel) {
      sep(del);
      del += std::to_string(i);
    } else if (step == kIns) {
      sep(ins);
      ins += '[' + std::to_string(j) + ',';
      ins += eb[j];
      ins += ']';
    } else if (step == kMod) {
      sep(mod);
      mod += '[' + std::to_string(i) + ',';
      ISTHMUS_RETURN_IF_ERROR(DiffInto(ea[i], eb[j], mod));
      mod += ']';
    }
    if (step != kIns) --ahead_a.find(ea[i++])->second;
    if (step != kDel) --ahead_b.find(eb[j++])->second;
  }
  out += "{\"a\":{";
  bool first = true;
  for (auto [k, s] : {std::pair<const char*, std::string*>{"del", &del}, {"ins", &ins}, {"mod", &mod}}) {
    if (s->empty()) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;
    out += "\":[";
    out += *s;
    out += ']';
  }
  out += "}}";
  return Status::Ok();
}

// a != b: their delta, or the replacement when that is no longer.
Status DiffInto(Sv a, Sv b, std::string& out) {
  size_t start = out.size();
  if (IsObject(a) && IsObject(b)) ISTHMUS_RETURN_IF_ERROR(DiffObject(a, b, out));
  else if (IsArray(a) && IsArray(b)) ISTHMUS_RETURN_IF_ERROR(DiffArray(a, b, out));
  else return Replace(b, out), Status::Ok();
  if (out.size() - start > b.size() + 6) {
    out.resize(start);
    Replace(b, out);
  }
  return Status::Ok();
}

Status Bad(const std::string& what) { return InvalidArgument("json delta does not fit: " + what); }

bool ParseIndex(Sv v, size_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

Status MergeInto(Sv a, Sv d, std::string& out);

Status MergeObject(Sv a, Sv ops, std::string& out) {
  std::vector<Member> ma, mo;
  if (!Members(a, ma)) return Bad("not an object");
  if (!Members(ops, mo)) return Bad("object changes are not an object");
  std::sort(mo.begin(), mo.end());
  out += '{';
  bool first = true;
  auto key = [&](Sv k) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += ':';
  };
  size_t i = 0, j = 0;
  while (i < ma.size() || j < mo.size()) {
    if (j == mo.size() || (i < ma.size() && ma[i].first < mo[j].first)) {
      key(ma[i].first);
      out += ma[i++].second;
    } else if (i == ma.size() || mo[j].first < ma[i].first) {
      std::vector<Member> op;
      if (!Members(mo[j].second, op) || op.size() != 1 || op[0].first != "\"=\"")
        return Bad("a change to key " + std::string(mo[j].first) + " it does not have");
      key(mo[j++].first);
      out += op[0].second;
    } else {
      if (mo[j].second != "{\"-\":1}") {
        key(ma[i].first);
        ISTHMUS_RETURN_IF_ERROR(MergeInto(ma[i].second, mo[j].second, out));
      }
      ++i, ++j;
    }
  }
  out += '}';
  return Status::Ok();
}

Status MergeArray(Sv a, Sv ops, std::string& out) {
  std::vector<Sv> ea, list, pair;
  std::vector<Member> mo;
  if (!Elements(a, ea)) return Bad("not an array");
  if (!Members(ops, mo)) return Bad("array changes are not an object");
  std::vector<bool> gone(ea.size(), false);
  std::map<size_t, std::string> changed;
  std::vector<std::pair<size_t, Sv>> inserts;
  for (const auto& [k, v] : mo) {
    if (!Elements(v, list)) return Bad(std::string(k) + " is not an array");
    for (Sv item : list) {
      size_t index = 0;
      if (k == "\"del\"") {
        if (!ParseIndex(item, index) || index >= ea.size()) return Bad("del " + std::string(item));
        gone[index] = true;
        continue;
      }
      if (!Elements(item, pair) || pair.size() != 2 || !ParseIndex(pair[0], index))
        return Bad(std::string(k) + " entry " + std::string(item.substr(0, 40)));
      if (k == "\"ins\"") {
        if (!inserts.empty() && index <= inserts.back().first) return Bad("ins out of order");
        inserts.emplace_back(index, pair[1]);
      } else if (k == "\"mod\"") {
        if (index >= ea.size()) return Bad("mod " + std::to_string(index));
        ISTHMUS_RETURN_IF_ERROR(MergeInto(ea[index], pair[1], changed[index]));
      } else {
        return Bad("array change " + std::string(k));
      }
    }
  }
  out += '[';
  size_t k = 0, ai = 0, q = 0;
  while (true) {
    Sv next;
    std::string* replaced = nullptr;
    if (q < inserts.size() && inserts[q].first == k) {
      next = inserts[q++].second;
    } else {
      while (ai < ea.size() && gone[ai]) ++ai;
      if (ai == ea.size()) break;
      auto c = changed.find(ai);
      if (c != changed.end()) replaced = &c->second;
      next = ea[ai++];
    }
    if (k++) out += ',';
    if (replaced) out += *replaced;
    else out += next;
  }
  if (q < inserts.size()) return Bad("ins at " + std::to_string(inserts[q].first) + " past the end");
  out += ']';
  return Status::Ok();
}

Status MergeInto(Sv a, Sv d, std::string& out) {
  std::vector<Member> md;
  if (!Members(d, md)) return Bad("a change is not an object");
  if (md.empty()) return out += a, Status::Ok();
  if (md.size() != 1) return Bad("a change with " + std::to_string(md.size()) + " keys");
  const auto& [k, v] = md[0];
  if (k == "\"=\"") return out += v, Status::Ok();
  if (k == "\"o\"") return MergeObject(a, v, out);
  if (k == "\"a\"") return MergeArray(a, v, out);
  return Bad("unknown change " + std::string(k));
}

}  // namespace

Result<std::string> JsonDiff(std::string_view a, std::string_view b) {
  a = Trim(a), b = Trim(b);
  if (a == b) return std::string("{}");
  std::string out;
  ISTHMUS_RETURN_IF_ERROR(DiffInto(a, b, out));
  return out;
}

Result<std::string> JsonMerge(std::string_view a, std::string_view delta) {
  std::string out;
  out.reserve(a.size() + delta.size());
  ISTHMUS_RETURN_IF_ERROR(MergeInto(Trim(a), Trim(delta), out));
  return out;
}

Result<std::vector<std::pair<std::string_view, std::string_view>>> JsonMembers(std::string_view object) {
  std::vector<Member> out;
  if (!Members(object, out)) return InvalidArgument("not a JSON object");
  return out;
}

Result<std::vector<std::string_view>> JsonElements(std::string_view array) {
  std::vector<Sv> out;
  if (!Elements(array, out)) return InvalidArgument("not a JSON array");
  return out;
}

}  // namespace isthmus::state
