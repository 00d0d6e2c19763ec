#include "state/json_delta.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <cstring>
#include <map>
#include <unordered_set>
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
// (Their members are left in mx and my.)
bool SameIdentity(Sv x, Sv y, std::vector<Member>& mx, std::vector<Member>& my) {
  if (!IsObject(x) || !IsObject(y)) return false;
  if (!Members(x, mx) || !Members(y, my)) return false;
  for (Sv key : {Sv("\"id\""), Sv("\"network_id\"")}) {
    Sv ix = FindMember(mx, key), iy = FindMember(my, key);
    if (!ix.empty() || !iy.empty()) return ix == iy;
  }
  return false;
}

// How many bytes a and b share at their start, and at their end; compared
// in blocks (memcmp is fast on long runs, slow called per small element).
size_t CommonPrefix(Sv a, Sv b) {
  constexpr size_t kBlock = 256;
  size_t n = std::min(a.size(), b.size()), p = 0;
  while (p + kBlock <= n && std::memcmp(a.data() + p, b.data() + p, kBlock) == 0) p += kBlock;
  while (p < n && a[p] == b[p]) ++p;
  return p;
}

size_t CommonSuffix(Sv a, Sv b) {
  constexpr size_t kBlock = 256;
  size_t n = std::min(a.size(), b.size()), s = 0;
  while (s + kBlock <= n &&
         std::memcmp(a.data() + a.size() - s - kBlock, b.data() + b.size() - s - kBlock, kBlock) == 0)
    s += kBlock;
  while (s < n && a[a.size() - 1 - s] == b[b.size() - 1 - s]) ++s;
  return s;
}

void Replace(Sv b, std::string& out) {
  out += "{\"=\":";
  out += b;
  out += '}';
}

Status DiffInto(Sv a, Sv b, std::string& out);

// Element lists of two arrays, when known without a scan (a layout).
using ElementsOf = std::function<const std::vector<Sv>*(size_t member)>;

Status DiffArray(Sv a, Sv b, std::string& out, const std::vector<Sv>* known_a = nullptr,
                 const std::vector<Sv>* known_b = nullptr);

// The members of two objects: their delta. `ea`/`eb` give the elements of
// member i (of a, of b) when known.
Status DiffMembers(const std::vector<Member>& ma, const std::vector<Member>& mb, std::string& out,
                   const ElementsOf& ea = nullptr, const ElementsOf& eb = nullptr) {
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
        const std::vector<Sv>* la = ea ? ea(i) : nullptr;
        const std::vector<Sv>* lb = eb ? eb(j) : nullptr;
        if (la && lb) {
          size_t start = out.size();
          ISTHMUS_RETURN_IF_ERROR(DiffArray(ma[i].second, mb[j].second, out, la, lb));
          if (out.size() - start > mb[j].second.size() + 6) {
            out.resize(start);
            Replace(mb[j].second, out);
          }
        } else {
          ISTHMUS_RETURN_IF_ERROR(DiffInto(ma[i].second, mb[j].second, out));
        }
      }
      ++i, ++j;
    }
  }
  out += "}}";
  return Status::Ok();
}

Status DiffObject(Sv a, Sv b, std::string& out) {
  std::vector<Member> ma, mb;
  if (!Members(a, ma) || !Members(b, mb)) return InvalidArgument("json delta: not a JSON object");
  return DiffMembers(ma, mb, out);
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

Status DiffArray(Sv a, Sv b, std::string& out, const std::vector<Sv>* known_a, const std::vector<Sv>* known_b) {
  std::vector<Sv> scanned_a, scanned_b;
  if (!known_a && !Elements(a, scanned_a)) return InvalidArgument("json delta: not a JSON array");
  if (!known_b && !Elements(b, scanned_b)) return InvalidArgument("json delta: not a JSON array");
  const std::vector<Sv>& ea = known_a ? *known_a : scanned_a;
  const std::vector<Sv>& eb = known_b ? *known_b : scanned_b;
  // The common head and tail (a sorted array that gained or lost a few
  // elements is mostly both): the arrays' texts are compared in large blocks,
  // and the elements lying wholly in the common bytes, at the same offsets
  // on both sides, are equal (JSON's structure is decided by the bytes
  // before). Only the elements at the edges are compared one by one.
  size_t na = ea.size(), nb = eb.size(), head = 0, tail = 0;
  size_t same_head = CommonPrefix(a, b), same_tail = CommonSuffix(a, b);
  auto from_start = [](Sv all, Sv e) { return static_cast<size_t>(e.data() - all.data()); };
  auto from_end = [](Sv all, Sv e) { return static_cast<size_t>(all.data() + all.size() - e.data()); };
  while (head < na && head < nb && from_start(a, ea[head]) == from_start(b, eb[head]) &&
         from_start(a, ea[head]) + ea[head].size() <= same_head && ea[head].size() == eb[head].size())
    ++head;
  while (head < na && head < nb && ea[head] == eb[head]) ++head;
  while (tail < na - head && tail < nb - head && from_end(a, ea[na - 1 - tail]) == from_end(b, eb[nb - 1 - tail]) &&
         from_end(a, ea[na - 1 - tail]) <= same_tail && ea[na - 1 - tail].size() == eb[nb - 1 - tail].size())
    ++tail;
  while (tail < na - head && tail < nb - head && ea[na - 1 - tail] == eb[nb - 1 - tail]) ++tail;
  // Past the head, a walk: equal elements are kept; at a difference, an
  // element of one side found a little further on the other (within kWindow)
  // means the other side gained or lost the ones before it; else the two are
  // one element changed (same identity) or one removed and one added. Any
  // walk gives a correct delta; this one is small for sorted arrays with a
  // few changes, without hashing every element.
  constexpr size_t kWindow = 8;
  auto find = [](const std::vector<Sv>& v, size_t from, size_t end, Sv x) {
    for (size_t d = 1; d <= kWindow && from + d < end; ++d)
      if (v[from + d] == x) return d;
    return size_t{0};
  };
  std::string del, ins, mod;
  auto sep = [](std::string& s) {
    if (!s.empty()) s += ',';
  };
  auto remove = [&](size_t i) {
    sep(del);
    del += std::to_string(i);
  };
  auto insert = [&](size_t j) {
    sep(ins);
    ins += '[' + std::to_string(j) + ',';
    ins += eb[j];
    ins += ']';
  };
  std::vector<Member> ma, mb;
  size_t i = head, j = head, end_a = na - tail, end_b = nb - tail;
  while (i < end_a || j < end_b) {
    if (i == end_a) {
      insert(j++);
    } else if (j == end_b) {
      remove(i++);
    } else if (ea[i] == eb[j]) {
      ++i, ++j;
    } else {
      size_t in_b = find(eb, j, end_b, ea[i]), in_a = find(ea, i, end_a, eb[j]);
      if (in_b && (!in_a || in_b <= in_a)) {
        insert(j++);
      } else if (in_a) {
        remove(i++);
      } else if (SameIdentity(ea[i], eb[j], ma, mb)) {
        sep(mod);
        mod += '[' + std::to_string(i) + ',';
        size_t start = mod.size();
        ISTHMUS_RETURN_IF_ERROR(DiffMembers(ma, mb, mod));  // members scanned once
        if (mod.size() - start > eb[j].size() + 6) {
          mod.resize(start);
          Replace(eb[j], mod);
        }
        mod += ']';
        ++i, ++j;
      } else {
        remove(i++);
        insert(j++);
      }
    }
  }
  ArrayChanges(del, ins, mod, out);
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

// `known`: a's elements when the caller has them (a layout); `placed`: where
// the result's elements land in `out`.
Status MergeArray(Sv a, Sv ops, std::string& out, const std::vector<Sv>* known = nullptr,
                  std::vector<std::pair<uint32_t, uint32_t>>* placed = nullptr) {
  std::vector<Sv> scanned, list, pair;
  std::vector<Member> mo;
  if (!known && !Elements(a, scanned)) return Bad("not an array");
  const std::vector<Sv>& ea = known ? *known : scanned;
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
    uint32_t begin = static_cast<uint32_t>(out.size());
    if (replaced) out += *replaced;
    else out += next;
    if (placed) placed->push_back({begin, static_cast<uint32_t>(out.size())});
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

namespace {
bool Views(Sv text, const JsonLayout& l, std::vector<Member>& members, std::vector<std::vector<Sv>>& elements);
}  // namespace

Result<std::string> JsonMerge(std::string_view a, const JsonLayout& la, std::string_view delta, JsonLayout* lb,
                              size_t* unchanged) {
  Sv d = Trim(delta);
  if (unchanged) *unchanged = 0;
  std::vector<Member> ma, md, mo, op;
  std::vector<std::vector<Sv>> ea;
  bool fits = la.valid && Views(a, la, ma, ea) && Members(d, md) && md.size() <= 1 &&
              (md.empty() || (md[0].first == "\"o\"" && Members(md[0].second, mo)));
  if (!fits) {  // no layout, or not an object's change: the plain merge, then a scan
    auto merged = JsonMerge(a, delta);
    if (merged.ok() && lb) *lb = LayoutOf(*merged);
    return merged;
  }
  if (md.empty()) {
    if (lb) *lb = la;
    if (unchanged) *unchanged = a.size();
    return std::string(a);
  }
  std::sort(mo.begin(), mo.end());
  bool before_first_change = true;
  std::string out;
  out.reserve(a.size() + d.size());
  JsonLayout l;
  out += '{';
  auto at = [&] { return static_cast<uint32_t>(out.size()); };
  // Writes a member's key; the caller writes the value and closes it.
  auto key = [&](Sv k) {
    if (!l.members.empty()) out += ',';
    l.members.push_back({at(), 0, 0, 0, {}});
    out += k;
    l.members.back().key_end = at();
    out += ':';
    l.members.back().value_begin = at();
  };
  // A value written whole: its elements found by a scan when it is an array.
  auto scanned = [&](Sv value) -> Status {
    JsonLayout::Member& m = l.members.back();
    m.value_end = at();
    std::vector<Sv> e;
    if (!IsArray(value)) return Status::Ok();
    if (!Elements(value, e)) return Bad("not an array");
    for (Sv x : e) {
      uint32_t b = m.value_begin + static_cast<uint32_t>(x.data() - value.data());
      m.elements.push_back({b, b + static_cast<uint32_t>(x.size())});
    }
    return Status::Ok();
  };
  size_t i = 0, j = 0;
  while (i < ma.size() || j < mo.size()) {
    bool untouched = j == mo.size() || (i < ma.size() && ma[i].first < mo[j].first);
    if (!untouched && before_first_change) {  // every byte so far is a's: up to the last member's end
      before_first_change = false;
      if (unchanged) *unchanged = i > 0 ? la.members[i - 1].value_end : 1;
    }
    if (untouched) {  // unchanged: shifted
      key(ma[i].first);
      JsonLayout::Member& m = l.members.back();
      out += ma[i].second;
      m.value_end = at();
      for (Sv x : ea[i]) {
        uint32_t b = m.value_begin + static_cast<uint32_t>(x.data() - ma[i].second.data());
        m.elements.push_back({b, b + static_cast<uint32_t>(x.size())});
      }
      ++i;
    } else if (i == ma.size() || mo[j].first < ma[i].first) {  // a new member
      if (!Members(mo[j].second, op) || op.size() != 1 || op[0].first != "\"=\"")
        return Bad("a change to key " + std::string(mo[j].first) + " it does not have");
      key(mo[j++].first);
      out += op[0].second;
      ISTHMUS_RETURN_IF_ERROR(scanned(op[0].second));
    } else {
      if (mo[j].second != "{\"-\":1}") {
        key(ma[i].first);
        if (Members(mo[j].second, op) && op.size() == 1 && op[0].first == "\"a\"" && IsArray(ma[i].second)) {
          ISTHMUS_RETURN_IF_ERROR(MergeArray(ma[i].second, op[0].second, out, &ea[i], &l.members.back().elements));
          l.members.back().value_end = at();
        } else {
          size_t begin = out.size();
          ISTHMUS_RETURN_IF_ERROR(MergeInto(ma[i].second, mo[j].second, out));
          ISTHMUS_RETURN_IF_ERROR(scanned(Sv(out).substr(begin)));
        }
      }
      ++i, ++j;
    }
  }
  out += '}';
  l.valid = true;
  if (lb) *lb = std::move(l);
  return out;
}

JsonLayout LayoutOf(std::string_view object) {
  JsonLayout out;
  std::vector<Member> members;
  std::vector<Sv> elements;
  if (!Members(object, members)) return out;
  auto at = [&](Sv v) { return static_cast<uint32_t>(v.data() - object.data()); };
  for (const auto& [k, v] : members) {
    JsonLayout::Member m{at(k), at(k) + static_cast<uint32_t>(k.size()), at(v), at(v) + static_cast<uint32_t>(v.size()), {}};
    if (IsArray(v) && Elements(v, elements))
      for (Sv e : elements) m.elements.push_back({at(e), at(e) + static_cast<uint32_t>(e.size())});
    out.members.push_back(std::move(m));
  }
  out.valid = true;
  return out;
}

std::vector<uint32_t> MemberStarts(const JsonLayout& layout) {
  std::vector<uint32_t> out;
  if (!layout.valid) return out;
  for (const auto& m : layout.members) out.push_back(m.key_begin);
  return out;
}

namespace {

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

}  // namespace

Result<std::string> JsonDiff(std::string_view a, const JsonLayout& la, std::string_view b, const JsonLayout& lb) {
  if (!la.valid || !lb.valid) return JsonDiff(a, b);
  if (a == b) return std::string("{}");
  std::vector<Member> ma, mb;
  std::vector<std::vector<Sv>> ea, eb;
  if (!Views(a, la, ma, ea) || !Views(b, lb, mb, eb)) return JsonDiff(a, b);
  auto of = [](const std::vector<Member>& m, const std::vector<std::vector<Sv>>& e) {
    return [&](size_t i) -> const std::vector<Sv>* { return IsArray(m[i].second) ? &e[i] : nullptr; };
  };
  std::string out;
  ISTHMUS_RETURN_IF_ERROR(DiffMembers(ma, mb, out, of(ma, ea), of(mb, eb)));
  if (out.size() > b.size() + 6) {
    out.clear();
    Replace(b, out);
  }
  return out;
}

namespace {

// The array changes of `edit` ({"a":{"del":...,"ins":...,"mod":...}}) appended
// to `ops`; the new array's elements (compact: joined by commas) to `text`, and
// their offsets in it to `shifted` (`old`: the elements' offsets in `object`).
void EditArray(Sv object, const std::vector<std::pair<uint32_t, uint32_t>>& old, const ArrayEdit& edit,
               std::string& text, std::vector<std::pair<uint32_t, uint32_t>>& shifted, std::string& ops) {
  std::string del, ins, mod;
  auto sep = [](std::string& s) {
    if (!s.empty()) s += ',';
  };
  auto element = [&](size_t i) { return object.substr(old[i].first, old[i].second - old[i].first); };
  auto put = [&](Sv e) {
    if (!shifted.empty()) text += ',';
    uint32_t b = static_cast<uint32_t>(text.size());
    text += e;
    shifted.push_back({b, static_cast<uint32_t>(text.size())});
  };
  // Old elements [from, to) kept: copied in one piece.
  auto keep = [&](size_t from, size_t to) {
    if (from >= to) return;
    if (!shifted.empty()) text += ',';
    int64_t by = static_cast<int64_t>(text.size()) - old[from].first;
    text.append(object.substr(old[from].first, old[to - 1].second - old[from].first));
    for (size_t k = from; k < to; ++k)
      shifted.push_back({static_cast<uint32_t>(old[k].first + by), static_cast<uint32_t>(old[k].second + by)});
  };
  size_t i = 0;
  int64_t grown = 0;  // new elements so far minus old ones
  for (const ElementsEdit& e : edit.edits) {
    keep(i, e.begin);
    if (!e.delta.empty() && e.end == e.begin + 1 && e.elements.size() == 1) {
      sep(mod);
      mod += '[' + std::to_string(e.begin) + ',';
      mod += e.delta;
      mod += ']';
      put(e.elements[0]);
    } else {
      // Equal heads and tails kept as they are; what is left (mostly an
      // element or two) is walked with sets of both sides.
      size_t o = e.begin, n = 0, o_end = e.end, n_end = e.elements.size();
      for (; o < o_end && n < n_end && element(o) == e.elements[n]; ++o, ++n) put(e.elements[n]);
      size_t tail = 0;
      while (o + tail < o_end && n + tail < n_end && element(o_end - 1 - tail) == e.elements[n_end - 1 - tail]) ++tail;
      o_end -= tail, n_end -= tail;
      std::unordered_set<Sv> old_set, new_set(e.elements.begin() + n, e.elements.begin() + n_end);
      for (size_t k = o; k < o_end; ++k) old_set.insert(element(k));
      while (o < o_end || n < n_end) {
        if (o < o_end && n < n_end && element(o) == e.elements[n]) {
          put(e.elements[n]), ++o, ++n;
        } else if (n == n_end || (o < o_end && !new_set.count(element(o)))) {
          sep(del), del += std::to_string(o++);
        } else if (o == o_end || !old_set.count(e.elements[n])) {
          sep(ins);
          ins += '[' + std::to_string(static_cast<int64_t>(e.begin) + grown + static_cast<int64_t>(n)) + ',';
          ins += e.elements[n];
          ins += ']';
          put(e.elements[n++]);
        } else {
          sep(del), del += std::to_string(o++);  // both further on: the old one goes
        }
      }
      for (; n < e.elements.size(); ++n) put(e.elements[n]);  // the common tail
    }
    grown += static_cast<int64_t>(e.elements.size()) - static_cast<int64_t>(e.end - e.begin);
    i = e.end;
  }
  keep(i, old.size());
  ArrayChanges(del, ins, mod, ops);
}

}  // namespace

Result<SplicedText> EditArrays(std::string_view object, const JsonLayout& layout, std::vector<ArrayEdit> arrays) {
  if (!layout.valid) return InvalidArgument("edit arrays: no layout");
  std::vector<std::pair<size_t, const ArrayEdit*>> by_member;
  for (const ArrayEdit& a : arrays) {
    size_t m = 0;
    while (m < layout.members.size() && object.substr(layout.members[m].key_begin,
                                                      layout.members[m].key_end - layout.members[m].key_begin) != a.key)
      ++m;
    if (m == layout.members.size()) return InvalidArgument("edit arrays: no member " + std::string(a.key));
    const JsonLayout::Member& member = layout.members[m];
    if (member.value_end > object.size() || member.value_begin >= member.value_end ||
        object[member.value_begin] != '[')
      return InvalidArgument("edit arrays: " + std::string(a.key) + " is not an array");
    for (auto [b, e] : member.elements)
      if (e > object.size() || b > e) return InvalidArgument("edit arrays: the layout does not fit the text");
    size_t end = 0;
    for (const ElementsEdit& e : a.edits) {
      if (e.begin < end || e.end < e.begin || e.end > member.elements.size())
        return InvalidArgument("edit arrays: elements " + std::to_string(e.begin) + "-" + std::to_string(e.end) +
                               " of " + std::string(a.key) + " out of range or order");
      end = e.end;
    }
    by_member.emplace_back(m, &a);
  }
  std::sort(by_member.begin(), by_member.end());
  for (size_t k = 1; k < by_member.size(); ++k)
    if (by_member[k].first == by_member[k - 1].first) return InvalidArgument("edit arrays: a member twice");
  SplicedText out;
  out.layout = layout;
  out.unchanged = object.size();
  for (const auto& [m, edit] : by_member) {  // the first edited element's start (or its array's end)
    if (edit->edits.empty()) continue;
    const JsonLayout::Member& member = layout.members[m];
    size_t first = edit->edits.front().begin;
    out.unchanged = std::min<size_t>(out.unchanged, first < member.elements.size() ? member.elements[first].first
                                                                                  : member.value_end - 1);
  }
  out.text.reserve(object.size() + object.size() / 16);
  out.delta = "{\"o\":{";
  size_t copied = 0;
  int64_t shift = 0;
  size_t next = 0;
  auto moved = [&](uint32_t at) { return static_cast<uint32_t>(static_cast<int64_t>(at) + shift); };
  for (size_t m = 0; m < layout.members.size(); ++m) {
    JsonLayout::Member& x = out.layout.members[m];
    const JsonLayout::Member& was = layout.members[m];
    if (next < by_member.size() && by_member[next].first == m) {
      const ArrayEdit& edit = *by_member[next++].second;
      x.key_begin = moved(was.key_begin), x.key_end = moved(was.key_end), x.value_begin = moved(was.value_begin);
      // The array's text rebuilt after its '['; the elements' offsets are the new text's.
      out.text.append(object.substr(copied, was.value_begin + 1 - copied));
      std::string array;
      std::vector<std::pair<uint32_t, uint32_t>> elements;
      if (next > 1) out.delta += ',';
      out.delta += edit.key;
      out.delta += ':';
      EditArray(object, was.elements, edit, array, elements, out.delta);
      uint32_t base = static_cast<uint32_t>(out.text.size());
      out.text += array;
      out.text += ']';
      for (auto& [b, e] : elements) b += base, e += base;
      x.elements = std::move(elements);
      x.value_end = static_cast<uint32_t>(out.text.size());
      copied = was.value_end;
      shift = static_cast<int64_t>(out.text.size()) - static_cast<int64_t>(copied);
      continue;
    }
    x.key_begin = moved(was.key_begin), x.key_end = moved(was.key_end);
    x.value_begin = moved(was.value_begin), x.value_end = moved(was.value_end);
    for (auto& [b, e] : x.elements) b = moved(b), e = moved(e);
  }
  out.text.append(object.substr(copied));
  out.delta += "}}";
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
