// A delta between two JSON texts in nlohmann's compact form (keys sorted, no
// spaces), computed and applied on the text without building a tree: what a
// cloud sends an agent instead of a whole HostState when little changed
// (docs/architecture.md, "Cloud <-> agent", the delta format). Generic: it
// knows nothing of HostState's fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace isthmus::state {

// The changes turning `a` into `b`, as compact JSON (one "value delta"):
//   {"=":V}                      the value is V;
//   {"o":{"k":D,...}}            an object: key k changes by D ({"-":1}: k goes);
//   {"a":{"mod":[[i,D],...],"del":[i,...],"ins":[[j,V],...]}}
//                                an array: element i of `a` changes by D, the
//                                elements i of `a` go, then V is inserted at
//                                index j of the result (ascending).
// Equal texts give "{}" (no change). InvalidArgument when a text is not JSON.
Result<std::string> JsonDiff(std::string_view a, std::string_view b);

// Where an object's text holds its members' keys and values, and the
// elements of those values that are arrays (byte offsets): JsonDiff with
// two layouts scans neither text's top level. state::DumpHostState writes one.
struct JsonLayout {
  struct Member {
    uint32_t key_begin = 0, key_end = 0, value_begin = 0, value_end = 0;
    std::vector<std::pair<uint32_t, uint32_t>> elements;  // [begin, end) of each, for an array
    bool operator==(const Member&) const = default;
  };
  std::vector<Member> members;
  bool valid = false;  // false: unknown (JsonDiff scans)
  bool operator==(const JsonLayout&) const = default;
};
// The layout of an object's text, by scanning it (invalid when not an object).
JsonLayout LayoutOf(std::string_view object);
// JsonDiff(a, b), given their layouts: the same text.
Result<std::string> JsonDiff(std::string_view a, const JsonLayout& la, std::string_view b, const JsonLayout& lb);

// Edits of an object's top-level arrays made on its text, without scanning
// the rest: the new text, its layout (`layout`'s, shifted) and the delta from
// the old text to it (JsonDiff's form, {"o":{key:{"a":{...}},...}}). What a
// cloud does to a host's state when it knows which elements changed
// (cloud/host_patch.h).
struct ElementsEdit {
  size_t begin = 0, end = 0;               // the old elements [begin, end) ...
  std::vector<std::string_view> elements;  // ... replaced by these
  // Only for one element replaced by one: its change (JsonDiff of the two
  // texts), sent as such. Otherwise the delta removes the old elements and
  // inserts the new ones, keeping those equal on both sides.
  std::string_view delta;
};
struct ArrayEdit {
  std::string_view key;              // a top-level array member, with its quotes: "\"k\""
  std::vector<ElementsEdit> edits;   // ascending, not overlapping
};
struct SplicedText {
  std::string text;
  JsonLayout layout;
  std::string delta;
  size_t unchanged = 0;  // the bytes before this offset are the old text's
  std::vector<size_t> edited;  // the members whose arrays were edited (ascending); the others' bytes are the old text's
};
// InvalidArgument when the layout is not valid, a key is not an array member
// of it (or comes twice), or an edit is out of range or order.
Result<SplicedText> EditArrays(std::string_view object, const JsonLayout& layout, std::vector<ArrayEdit> arrays);

// `a` changed by `delta` (JsonDiff's): the text of b, byte for byte, when
// `a` is the text the delta was computed from. InvalidArgument when the delta
// does not fit `a` (an index or key it does not have, malformed JSON).
Result<std::string> JsonMerge(std::string_view a, std::string_view delta);
// The same given a's layout (an object's), without scanning the members the
// delta leaves alone; `lb` receives the result's layout (what LayoutOf finds),
// `unchanged` an offset before which the result's bytes are a's.
Result<std::string> JsonMerge(std::string_view a, const JsonLayout& la, std::string_view delta, JsonLayout* lb,
                              size_t* unchanged = nullptr);

// The members (key with its quotes, value) of an object's text, and the
// elements of an array's text, as views into it; InvalidArgument otherwise.
Result<std::vector<std::pair<std::string_view, std::string_view>>> JsonMembers(std::string_view object);
Result<std::vector<std::string_view>> JsonElements(std::string_view array);

}  // namespace isthmus::state
