#include "state/json_delta.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "state/json_scan.h"

namespace isthmus::state {
using namespace json_scan;
namespace {

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

// An object's text written member by member with its layout.
class LayoutWriter {
 public:
  explicit LayoutWriter(size_t reserve) {
    out_.reserve(reserve);
    out_ += '{';
  }
  std::string& out() { return out_; }
  // Writes a member's key; the caller then writes the value and ends it.
  void Key(Sv k) {
    if (!l_.members.empty()) out_ += ',';
    l_.members.push_back({At(), 0, 0, 0, {}});
    out_ += k;
    l_.members.back().key_end = At();
    out_ += ':';
    l_.members.back().value_begin = At();
  }
  // The value just written ends here; `elements` (views into `value`, the
  // value's source text) are where they landed.
  void End(Sv value, const std::vector<Sv>& elements) {
    JsonLayout::Member& m = l_.members.back();
    m.value_end = At();
    for (Sv x : elements) {
      uint32_t b = m.value_begin + static_cast<uint32_t>(x.data() - value.data());
      m.elements.push_back({b, b + static_cast<uint32_t>(x.size())});
    }
  }
  // A value written whole: its elements found by a scan when it is an array.
  Status EndScanned(Sv value) {
    std::vector<Sv> e;
    if (IsArray(value) && !Elements(value, e)) return Bad("not an array");
    End(value, e);
    return Status::Ok();
  }
  // Where the elements of the value being written land (for MergeArray).
  std::vector<std::pair<uint32_t, uint32_t>>& Placed() { return l_.members.back().elements; }
  void EndHere() { l_.members.back().value_end = At(); }
  JsonLayout Finish() {
    out_ += '}';
    l_.valid = true;
    return std::move(l_);
  }

 private:
  uint32_t At() const { return static_cast<uint32_t>(out_.size()); }
  std::string out_;
  JsonLayout l_;
};

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
  LayoutWriter w(a.size() + d.size());
  size_t i = 0, j = 0;
  while (i < ma.size() || j < mo.size()) {
    bool untouched = j == mo.size() || (i < ma.size() && ma[i].first < mo[j].first);
    if (!untouched && before_first_change) {  // every byte so far is a's: up to the last member's end
      before_first_change = false;
      if (unchanged) *unchanged = i > 0 ? la.members[i - 1].value_end : 1;
    }
    if (untouched) {  // unchanged: shifted
      w.Key(ma[i].first);
      w.out() += ma[i].second;
      w.End(ma[i].second, ea[i]);
      ++i;
    } else if (i == ma.size() || mo[j].first < ma[i].first) {  // a new member
      if (!Members(mo[j].second, op) || op.size() != 1 || op[0].first != "\"=\"")
        return Bad("a change to key " + std::string(mo[j].first) + " it does not have");
      w.Key(mo[j++].first);
      w.out() += op[0].second;
      ISTHMUS_RETURN_IF_ERROR(w.EndScanned(op[0].second));
    } else {
      if (mo[j].second != "{\"-\":1}") {
        w.Key(ma[i].first);
        if (Members(mo[j].second, op) && op.size() == 1 && op[0].first == "\"a\"" && IsArray(ma[i].second)) {
          ISTHMUS_RETURN_IF_ERROR(MergeArray(ma[i].second, op[0].second, w.out(), &ea[i], &w.Placed()));
          w.EndHere();
        } else {
          size_t begin = w.out().size();
          ISTHMUS_RETURN_IF_ERROR(MergeInto(ma[i].second, mo[j].second, w.out()));
          ISTHMUS_RETURN_IF_ERROR(w.EndScanned(Sv(w.out()).substr(begin)));
        }
      }
      ++i, ++j;
    }
  }
  JsonLayout l = w.Finish();
  if (lb) *lb = std::move(l);
  return std::move(w.out());
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
