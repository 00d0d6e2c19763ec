#include "lab/topology_dot.h"

#include <gtest/gtest.h>

#include "lab/topology_file.h"

namespace isthmus::lab {
namespace {

Topology Small() {
  auto t = ParseTopology(nlohmann::json::parse(R"({
    "name": "small",
    "clouds": [{"name": "cloud1", "hosts": [{"name": "c1-net", "role": "network"}, {"name": "c1-h1"}]},
               {"name": "cloud2", "external_network": {"name": "out2", "cidr": "172.30.0.0/24"},
                "hosts": [{"name": "c2-net", "role": "network"}]}],
    "networks": [{"name": "net3", "clouds": ["cloud1", "cloud2"], "cidr": "10.0.3.0/24"},
                 {"name": "net1", "clouds": ["cloud1"], "cidr": "10.0.1.0/24", "gateway": null}],
    "routers": [{"name": "R1", "cloud": "cloud1", "networks": ["net3"]},
                {"name": "R2", "cloud": "cloud2", "distributed": false, "external_gateway": false, "networks": ["net3"]}],
    "instances": [{"name": "vm1", "host": "c1-h1", "floating_ip": true,
                   "nics": [{"network": "net3", "ip": "10.0.3.11"}, {"network": "net1"}]}]
  })"), "small.json");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return *t;
}

TEST(TopologyDot, SmallTopology) {
  // net1 spans one cloud: inside its cluster; net3 two: outside.
  EXPECT_EQ(TopologyDot(Small()), R"DOT(graph "small" {
  label="topology small";
  labelloc=t;
  node [fontname="Helvetica", fontsize=10];
  edge [fontname="Helvetica", fontsize=9];
  subgraph "cluster_cloud1" {
    label="cloud1\next-net1 172.24.1.0/24";
    "host/c1-net" [shape=box3d, label="c1-net\nnetwork, VTEP 10.255.1.1"];
    "host/c1-h1" [shape=box3d, label="c1-h1\ncompute, VTEP 10.255.1.2"];
    "router/R1" [shape=octagon, label="R1\ndistributed\ngateway on ext-net1"];
    "instance/vm1" [shape=ellipse, label="vm1\nfloating IP"];
    "network/net1" [shape=box, style="rounded,filled", fillcolor="#e8f0ff", label="net1\n10.0.1.0/24\nno gateway"];
  }
  subgraph "cluster_cloud2" {
    label="cloud2\nout2 172.30.0.0/24";
    "host/c2-net" [shape=box3d, label="c2-net\nnetwork, VTEP 10.255.2.1"];
    "router/R2" [shape=octagon, label="R2\nlegacy\nno external gateway"];
  }
  "network/net3" [shape=box, style="rounded,filled", fillcolor="#e8f0ff", label="net3\n10.0.3.0/24\ngateway 10.0.3.1 (anycast)"];
  "router/R1" -- "network/net3";
  "router/R2" -- "network/net3";
  "host/c1-h1" -- "instance/vm1" [style=dotted];
  "instance/vm1" -- "network/net3" [label="10.0.3.11"];
  "instance/vm1" -- "network/net1" [label="DHCP"];
}
)DOT");
}

TEST(TopologyDot, QuotesAndBackslashesAreEscaped) {
  EXPECT_EQ(DotQuote(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
  EXPECT_EQ(DotQuote("two\nlines"), R"("two\nlines")");
  Topology t = Small();
  t.name = "the \"small\" one";
  t.networks[0].name = "net \"3\"";
  t.routers[0].networks[0] = t.networks[0].name;
  t.instances[0].nics[0].network = t.networks[0].name;
  std::string dot = TopologyDot(t);
  EXPECT_NE(dot.find(R"(graph "the \"small\" one" {)"), std::string::npos) << dot;
  EXPECT_NE(dot.find(R"("network/net \"3\"" [shape=box, style="rounded,filled", fillcolor="#e8f0ff", label="net \"3\"\n10.0.3.0/24)"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find(R"("router/R1" -- "network/net \"3\"";)"), std::string::npos) << dot;
}

}  // namespace
}  // namespace isthmus::lab
