// The lab's subcommands as one table (name, usage, description): `isthmus lab
// --help` prints them all and `isthmus lab CMD --help` one, from the same text.
// Help needs neither root nor a lab that is up.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace isthmus::lab {

struct LabCommand {
  std::string_view name;         // "up"
  std::string_view usage;        // "up TOPOLOGY [--legacy] ..." (after "isthmus lab ")
  std::string_view description;  // lines, unindented
};

const std::vector<LabCommand>& LabCommands();
const LabCommand* FindLabCommand(std::string_view name);

// `isthmus lab --help`: every command, then the shipped topologies.
std::string LabHelp();
// `isthmus lab CMD --help`: "usage: isthmus lab <usage>" and its description.
std::string LabCommandHelp(const LabCommand& c);

// True when args ask for help: "--help" or "-h" before any "--" (what follows
// "--" belongs to a command run by `lab exec`).
bool LabWantsHelp(const std::vector<std::string>& args);

}  // namespace isthmus::lab
