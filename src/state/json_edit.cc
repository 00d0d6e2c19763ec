// EditArrays (state/json_delta.h): a host's state changed on its text where
// the caller knows which elements of which arrays changed.
#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "state/json_delta.h"
#include "state/json_scan.h"

namespace isthmus::state {
using namespace json_scan;

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
      out.edited.push_back(m);
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

}  // namespace isthmus::state
