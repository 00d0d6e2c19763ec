// isthmus-ofwire: the agent's OpenFlow client from the command line, for the
// integration test (tests/integration/openflow_wire.sh) and the benchmark
// (bench/flow_resync.sh):
//   isthmus-ofwire encode PORTS FILE            hex of each flow_mod (PORTS: a=1,b=2 or -)
//   isthmus-ofwire replace RUNDIR BRIDGE FILE   full resync, one atomic bundle
//   isthmus-ofwire apply RUNDIR BRIDGE FILE     add / delete_strict lines, one bundle
//   isthmus-ofwire session RUNDIR BRIDGE        one client for many commands read from
//                                               stdin ("replace FILE", "apply FILE"), as
//                                               the agent keeps one across passes
// (FILE "-" = stdin). replace and apply print "ms=<milliseconds>"; a session
// answers each command with one line, "ok ms=<milliseconds>" or "error: <why>".
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/openflow/bridge_client.h"
#include "agent/openflow/flow_mod_encoder.h"
#include "agent/openflow/flow_parser.h"

using namespace isthmus::agent::openflow;

namespace {

constexpr uint64_t kCookie = 0x15a7;

std::string ReadAll(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream f(path);
    ss << f.rdbuf();
  }
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

int Encode(const std::string& ports_arg, const std::string& file) {
  PortNumbers ports;
  std::istringstream in(ports_arg == "-" ? "" : ports_arg);
  for (std::string kv; std::getline(in, kv, ',');) {
    auto eq = kv.find('=');
    ports[kv.substr(0, eq)] = uint32_t(std::stoul(kv.substr(eq + 1)));
  }
  for (const auto& line : Lines(ReadAll(file))) {
    auto mod = line.rfind("add ", 0) == 0 || line.rfind("delete_strict ", 0) == 0 ? ParseBundleLine(line)
                                                                                   : ParseFlow(line, kAdd);
    if (!mod.ok()) {
      std::cerr << mod.status().message() << "\n";
      return 1;
    }
    auto b = EncodeFlowMod(*mod, ports, 0);
    if (!b.ok()) {
      std::cerr << line << ": " << b.status().message() << "\n";
      return 1;
    }
    std::cout << Hex(*b) << "\n";
  }
  return 0;
}

// One command on `client`; "ms=<milliseconds>" or the error.
isthmus::Status Run(BridgeClient& client, const std::string& cmd, const std::string& file, long* ms) {
  std::string text = ReadAll(file);
  auto t0 = std::chrono::steady_clock::now();
  auto s = cmd == "replace" ? client.Replace(text) : client.Apply(Lines(text));
  *ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

int Session(const std::string& rundir, const std::string& bridge) {
  BridgeClient client(rundir, bridge, kCookie);
  for (std::string line; std::getline(std::cin, line);) {
    auto space = line.find(' ');
    std::string cmd = line.substr(0, space), file = space == std::string::npos ? "" : line.substr(space + 1);
    long ms = 0;
    if ((cmd != "replace" && cmd != "apply") || file.empty()) {
      std::cout << "error: expected 'replace FILE' or 'apply FILE'" << std::endl;
      continue;
    }
    auto s = Run(client, cmd, file, &ms);
    if (s.ok()) std::cout << "ok ms=" << ms << std::endl;
    else std::cout << "error: " << s.message() << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "encode" && argc == 4) return Encode(argv[2], argv[3]);
  if (cmd == "session" && argc == 4) return Session(argv[2], argv[3]);
  if ((cmd != "replace" && cmd != "apply") || argc != 5) {
    std::cerr << "usage: isthmus-ofwire encode PORTS FILE | replace RUNDIR BRIDGE FILE | apply RUNDIR BRIDGE FILE"
                 " | session RUNDIR BRIDGE\n";
    return 2;
  }
  BridgeClient client(argv[2], argv[3], kCookie);
  long ms = 0;
  auto s = Run(client, cmd, argv[4], &ms);
  if (!s.ok()) {
    std::cerr << "isthmus-ofwire: " << s.message() << "\n";
    return 1;
  }
  std::cout << "ms=" << ms << "\n";
  return 0;
}
