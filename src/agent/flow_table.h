// FlowTable: a set of OpenFlow flows for one bridge, keyed the way OpenFlow
// identifies a flow (table, priority, match), so that two tables can be diffed
// into the add/delete_strict lines of one `ovs-ofctl bundle`.
// Pure values: produced by the flow compiler (flows.h), consumed by the
// bridge reconciler (ovs.h).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace isthmus::agent {

// All flows the agent installs carry this cookie; learned flows (cookie 0) and
// anything else are not ours. docs/architecture.md, "OpenFlow tables".
inline constexpr char kCookie[] = "0x15a7";

struct Flow {
  int table = 0;
  int priority = 0;
  std::string match;    // "in_port=patch-tun,dl_src=..." ("" = match all)
  std::string actions;  // "goto_table:60"
};

class FlowTable {
 public:
  // Refuses (leaves out, logs and records) a flow whose match or actions hold a
  // character outside the flow syntax the agent writes (letters, digits and
  // _:.,=/>()[]-+): a value can never add a line or a clause to a bundle.
  void Add(int table, int priority, const std::string& match, const std::string& actions);
  size_t size() const { return flows_.size(); }
  // The flows Add refused, as "table=T,priority=P,<match> actions=<actions>" (escaped).
  const std::vector<std::string>& refused() const { return refused_; }
  // The flow-mod text of every flow, one per line, sorted by table, priority
  // (highest first) and match: the golden-test and replace-flows format.
  std::string Dump() const;
  // Lines for `ovs-ofctl bundle` turning `installed` into *this.
  std::vector<std::string> DiffFrom(const FlowTable& installed) const;
  bool operator==(const FlowTable&) const = default;

 private:
  struct Key {
    int table;
    int priority;
    std::string match;
    bool operator<(const Key& o) const {
      if (table != o.table) return table < o.table;
      if (priority != o.priority) return priority > o.priority;
      return match < o.match;
    }
    bool operator==(const Key&) const = default;
  };
  static std::string Spec(const Key& k);
  std::map<Key, std::string> flows_;
  std::vector<std::string> refused_;
};

// Whether text is made only of the characters of the flow syntax above.
bool IsFlowText(const std::string& text);

}  // namespace isthmus::agent
