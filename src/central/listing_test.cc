// Lists from the indexes (list_response.h) against the whole-list reference
// they replaced (every item viewed, filtered, sorted, then paged): same items,
// same links, same errors, on random data, filters, markers and directions.
#include "central/list_response.h"

#include <gtest/gtest.h>

#include <random>

#include "central/access.h"
#include "central/listing.h"
#include "central/test_db.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

// The reference: the list as central built it before the indexes.
namespace reference {

std::string Encode(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += std::string("%") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

bool Less(const json& a, const json& b, const std::vector<std::string>& keys, const std::vector<bool>& ascending) {
  for (size_t i = 0; i < keys.size(); ++i) {
    const json va = a.value(keys[i], json()), vb = b.value(keys[i], json());
    if (SortLess(va, vb)) return ascending[i];
    if (SortLess(vb, va)) return !ascending[i];
  }
  return false;
}

Result<json> Page(const httplib::Request& req, std::vector<json> items, const std::string& plural,
                  const std::string& base_url) {
  auto ctl = ParseControls(req);
  if (!ctl.ok()) return ctl.status();
  std::stable_sort(items.begin(), items.end(),
                   [&](const json& a, const json& b) { return Less(a, b, ctl->sort_keys, ctl->ascending); });
  const size_t limit = ctl->limit;
  size_t begin = 0, end = items.size();
  if (!ctl->marker.empty()) {
    auto m = std::find_if(items.begin(), items.end(), [&](const json& j) { return j.value("id", "") == ctl->marker; });
    if (m == items.end()) return NotFound("Marker " + ctl->marker + " could not be found");
    size_t at = static_cast<size_t>(m - items.begin());
    if (ctl->reverse) end = at;
    else begin = at + 1;
  }
  if (limit > 0 && end - begin > limit) {
    if (ctl->reverse) begin = end - limit;
    else end = begin + limit;
  }
  json page = json::array();
  for (size_t i = begin; i < end; ++i) page.push_back(SelectFields(req, items[i]));
  std::string query;
  for (const auto& [k, v] : req.params)
    if (k != "marker" && k != "page_reverse") query += "&" + Encode(k) + "=" + Encode(v);
  // Neutron's links (api_common.get_pagination_links): next unless the page is
  // short and not reversed, previous unless it is short and reversed; an empty
  // page's links have no marker.
  json links = json::array();
  const bool short_page = end - begin < limit, empty = begin == end;
  auto href = [&](const std::string& marker, bool reverse) {
    std::string params = (empty ? "" : "&marker=" + Encode(marker)) + (reverse ? "&page_reverse=True" : "") + query;
    if (!params.empty()) params[0] = '?';
    return base_url + req.path + params;
  };
  if (!(short_page && !ctl->reverse))
    links.push_back({{"rel", "next"}, {"href", href(empty ? "" : items[end - 1].value("id", ""), false)}});
  if (!(short_page && ctl->reverse))
    links.push_back({{"rel", "previous"}, {"href", href(empty ? "" : items[begin].value("id", ""), true)}});
  json out = {{plural, page}};
  if (limit > 0) out[plural + "_links"] = links;
  return out;
}

Result<json> List(Service& s, const Caller& c, const std::string& kind, const httplib::Request& req) {
  std::vector<json> items;
  for (const auto& m : s.List(kind)) {
    if (!Visible(s, c, kind, m)) continue;
    json v = View(s, *KindNamed(kind), m);
    if (Matches(req, v)) items.push_back(v);
  }
  return Page(req, std::move(items), Traits(*KindNamed(kind)).plural, "http://c");
}

}  // namespace reference

const Caller kAdmin{"admin", "admin", "admin", "admin", {"admin"}, true};
const Caller kDemo{"demo", "demo", "demo", "demo", {"member"}, false};

class ListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = std::move(*Service::Create(db_.location(), {1000, 1999}));
    ASSERT_TRUE(s_->CreateCloud({{"cloud", {{"name", "c1"}, {"endpoint", "http://127.0.0.1:9701"}}}}).ok());
    for (const char* h : {"h1", "h2"})
      ASSERT_TRUE(s_->PutHost("c1", h, {{"host", {{"role", "compute"}, {"vtep_ip", std::string("10.255.0.") + (h[1] == '1' ? "1" : "2")},
                                                  {"dvr_mac", std::string("fa:16:3f:01:00:0") + h[1]}}}}).ok());
  }
  std::string Network(const std::string& project, int third, bool external = false) {
    json n = {{"project_id", project}, {"availability_zone_hints", {"c1"}}};
    if (external) n.update({{"router:external", true}, {"provider:physical_network", "ext"}});
    auto net = s_->CreateNetwork({{"network", n}});
    EXPECT_TRUE(net.ok()) << net.status().message();
    auto sub = s_->CreateSubnet({{"subnet", {{"network_id", net->id}, {"project_id", project}, {"ip_version", 4},
                                             {"cidr", "10.1." + std::to_string(third) + ".0/24"}, {"enable_dhcp", false}}}});
    EXPECT_TRUE(sub.ok()) << sub.status().message();
    subnets_.push_back(sub->id);
    return net->id;
  }
  static httplib::Request Req(const std::string& path, std::multimap<std::string, std::string> params) {
    httplib::Request req;
    req.path = path;
    for (auto& [k, v] : params) req.params.emplace(k, v);
    return req;
  }
  // The list both ways: same status, same body.
  void ExpectSame(const Caller& c, const std::string& kind, const httplib::Request& req) {
    auto want = reference::List(*s_, c, kind, req);
    auto got = ListBody(*s_, c, *KindNamed(kind), req, "http://c");
    std::string what = kind + " as " + c.user_name + ":";
    for (const auto& [k, v] : req.params) what += " " + k + "=" + v;
    ASSERT_EQ(got.ok(), want.ok()) << what << " " << (got.ok() ? want.status() : got.status()).message();
    if (!want.ok()) {
      EXPECT_EQ(got.status().code(), want.status().code()) << what;
      EXPECT_EQ(got.status().message(), want.status().message()) << what;
      return;
    }
    EXPECT_EQ(*got, want->dump()) << what;
  }

  TestDb db_{"listing"};
  std::unique_ptr<Service> s_;
  std::vector<std::string> subnets_;
};

TEST_F(ListingTest, RandomPagesEqualTheWholeListReference) {
  std::mt19937 rng(7);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  const std::vector<std::string> projects = {"admin", "demo", "other"}, owners = {"", "compute:nova", "compute:az"},
                                 devices = {"", "d1", "d2", "d3"}, hosts = {"", "h1", "h2"}, names = {"a", "b", "c"};
  std::vector<std::string> nets = {Network("admin", 1, true), Network("demo", 2), Network("other", 3), Network("demo", 4)};
  std::vector<std::string> ports;
  for (int i = 0; i < 160; ++i) {
    json p = {{"network_id", pick(nets)}, {"project_id", pick(projects)}, {"device_owner", pick(owners)},
              {"device_id", pick(devices)}, {"binding:host_id", pick(hosts)}, {"name", pick(names)}};
    auto made = s_->CreatePort({{"port", p}});
    ASSERT_TRUE(made.ok()) << made.status().message();
    ports.push_back(made->id);
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s_->Delete("port", ports[rng() % ports.size()]).ok());  // holes
  for (int i = 0; i < 20; ++i)  // updates move ports between index entries
    (void)s_->UpdatePort(pick(ports), {{"port", {{"device_id", pick(devices)}, {"binding:host_id", pick(hosts)}}}});

  const std::vector<std::string> filters = {"network_id", "device_owner", "device_id", "binding:host_id",
                                            "tenant_id", "project_id", "name", "status", "unknown"};
  for (int round = 0; round < 1500; ++round) {
    std::multimap<std::string, std::string> params;
    for (int f = rng() % 3; f > 0; --f) {
      std::string key = pick(filters);
      std::string value = key == "network_id"        ? pick(nets)
                          : key == "device_owner"    ? pick(owners)
                          : key == "device_id"       ? pick(devices)
                          : key == "binding:host_id" ? pick(hosts)
                          : key == "name"            ? pick(names)
                          : key == "status"          ? "ACTIVE"
                                                     : pick(projects);
      params.emplace(key, value);
    }
    if (rng() % 4) params.emplace("limit", std::to_string(std::vector<int>{0, 1, 3, 7, 50}[rng() % 5]));
    if (rng() % 2) params.emplace("marker", rng() % 10 ? pick(ports) : "no-such-port");
    if (rng() % 3 == 0) params.emplace("page_reverse", rng() % 2 ? "True" : "false");
    switch (rng() % 7) {
      case 0: params.emplace("sort_key", "id"), params.emplace("sort_dir", rng() % 2 ? "desc" : "asc"); break;
      case 1: params.emplace("sort_key", "name"), params.emplace("sort_dir", rng() % 2 ? "desc" : "asc"); break;
      case 2: params.emplace("sort_key", round % 5 == 0 ? "name" : "binding:host_id"); break;  // a port's
      case 3: params.emplace("sort_dir", "sideways"); break;
      case 4: params.emplace("sort_key", "revision_number"), params.emplace("sort_dir", "desc"); break;
      default: break;
    }
    if (rng() % 4 == 0) params.emplace("fields", "id"), params.emplace("fields", "name");
    const std::string kind = round % 5 == 0 ? (round % 2 ? "network" : "subnet") : "port";
    ASSERT_NO_FATAL_FAILURE(ExpectSame(rng() % 3 ? kAdmin : kDemo, kind, Req("/v2.0/" + kind + "s", params)));
  }
}

// Lists longer than a piece (kPieceItems) are sent in several pieces, each
// resuming after the last id sent: together they equal the reference.
TEST_F(ListingTest, LongListsInPiecesEqualTheWholeListReference) {
  std::mt19937 rng(11);
  // Three projects: each stays under the default port quota (500).
  const std::vector<std::string> projects = {"admin", "demo", "other"}, names = {"a", "b"};
  std::vector<std::string> nets;  // /24s: room for the ports
  for (int third = 2; third < 8; ++third) nets.push_back(Network(third % 2 ? "admin" : "demo", third));
  std::vector<std::string> ports;
  const int n = static_cast<int>(2 * kPieceItems + 150);
  for (int i = 0; i < n; ++i) {
    auto made = s_->CreatePort({{"port", {{"network_id", nets[i % nets.size()]}, {"project_id", projects[i % 3]},
                                          {"name", names[rng() % 2]}}}});
    ASSERT_TRUE(made.ok()) << made.status().message();
    ports.push_back(made->id);
  }
  // The whole list as pieces: more than one, each ending at a whole item.
  auto provider = ListProvider(*s_, kAdmin, Kind::kPort, Req("/v2.0/ports", {}), "http://c");
  ASSERT_TRUE(provider.ok());
  std::vector<std::string> pieces;
  bool done = false;
  httplib::DataSink sink;
  sink.write = [&](const char* d, size_t len) { return pieces.emplace_back(d, len), true; };
  sink.done = [&] { done = true; };
  while (!done && pieces.size() < 100) ASSERT_TRUE((*provider)(0, sink));
  ASSERT_EQ(pieces.size(), 3u);
  for (size_t i = 0; i + 1 < pieces.size(); ++i) EXPECT_EQ(pieces[i].back(), '}') << i;
  for (int round = 0; round < 60; ++round) {
    std::multimap<std::string, std::string> params;
    if (rng() % 3 == 0) params.emplace("network_id", nets[rng() % nets.size()]);
    if (rng() % 3 == 0) params.emplace("name", names[rng() % 2]);
    if (rng() % 2) params.emplace("marker", ports[rng() % ports.size()]);
    if (rng() % 2) params.emplace("sort_key", "id"), params.emplace("sort_dir", rng() % 2 ? "desc" : "asc");
    if (rng() % 3 == 0) params.emplace("fields", "id");
    if (rng() % 4 == 0) params.emplace("limit", "0");
    ASSERT_NO_FATAL_FAILURE(ExpectSame(rng() % 3 ? kAdmin : kDemo, "port", Req("/v2.0/ports", params)));
  }
}

TEST_F(ListingTest, NextLinksWalkTheWholeListOnce) {
  std::string net = Network("demo", 2);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(s_->CreatePort({{"port", {{"network_id", net}, {"project_id", "demo"}}}}).ok());
  auto all = ListBody(*s_, kDemo, Kind::kPort, Req("/v2.0/ports", {{"network_id", net}}), "http://c");
  ASSERT_TRUE(all.ok());
  std::vector<json> walked;
  std::string marker;
  for (int pages = 0; pages < 20; ++pages) {
    std::multimap<std::string, std::string> p = {{"network_id", net}, {"limit", "4"}};
    if (!marker.empty()) p.emplace("marker", marker);
    auto page = ListBody(*s_, kDemo, Kind::kPort, Req("/v2.0/ports", p), "http://c");
    ASSERT_TRUE(page.ok());
    json j = json::parse(*page);
    for (const auto& item : j["ports"]) walked.push_back(item);
    marker.clear();
    for (const auto& l : j["ports_links"])
      if (l["rel"] == "next") marker = l["href"].get<std::string>().substr(l["href"].get<std::string>().find("marker=") + 7, 36);
    if (marker.empty()) break;
  }
  EXPECT_EQ(json(walked), json::parse(*all)["ports"]);
  EXPECT_EQ(walked.size(), 25u);
}

TEST_F(ListingTest, FixedIpsFilterByAddressAndSubnet) {
  std::string net = Network("admin", 5), other = Network("admin", 6);
  auto a = s_->CreatePort({{"port", {{"network_id", net}, {"fixed_ips", {{{"ip_address", "10.1.5.20"}}}}}}});
  auto b = s_->CreatePort({{"port", {{"network_id", other}}}});
  ASSERT_TRUE(a.ok() && b.ok());
  auto ids = [&](std::multimap<std::string, std::string> p) {
    auto body = ListBody(*s_, kAdmin, Kind::kPort, Req("/v2.0/ports", p), "http://c");
    std::vector<std::string> out;
    json list = body.ok() ? json::parse(*body) : json::object();
    for (const auto& port : list.value("ports", json::array())) out.push_back(port["id"]);
    return out;
  };
  EXPECT_EQ(ids({{"fixed_ips", "ip_address=10.1.5.20"}}), std::vector<std::string>{a->id});
  EXPECT_EQ(ids({{"fixed_ips", "subnet_id=" + subnets_[1]}}), std::vector<std::string>{b->id});
  EXPECT_EQ(ids({{"fixed_ips", "ip_address=10.1.5.20"}, {"fixed_ips", "subnet_id=" + subnets_[1]}}),
            std::vector<std::string>{});
  EXPECT_EQ(ids({{"fixed_ips", "ip_address=10.1.5.21"}}), std::vector<std::string>{});
  auto bad = ListBody(*s_, kAdmin, Kind::kPort, Req("/v2.0/ports", {{"fixed_ips", "mac=1"}}), "http://c");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

TEST_F(ListingTest, IndexFollowsCreatesUpdatesDeletesAndReloads) {
  std::string net = Network("admin", 7);
  auto p = s_->CreatePort({{"port", {{"network_id", net}, {"device_id", "vm1"}, {"binding:host_id", "h1"}}}});
  ASSERT_TRUE(p.ok());
  auto count = [&](Service& s, std::multimap<std::string, std::string> q) {
    auto body = ListBody(s, kAdmin, Kind::kPort, Req("/v2.0/ports", q), "http://c");
    return body.ok() ? json::parse(*body)["ports"].size() : 999;
  };
  EXPECT_EQ(count(*s_, {{"device_id", "vm1"}}), 1u);
  ASSERT_TRUE(s_->UpdatePort(p->id, {{"port", {{"device_id", "vm2"}}}}).ok());
  EXPECT_EQ(count(*s_, {{"device_id", "vm1"}}), 0u);
  EXPECT_EQ(count(*s_, {{"device_id", "vm2"}, {"binding:host_id", "h1"}}), 1u);
  {
    auto reloaded = Service::Create(db_.location(), {1000, 1999});  // the index rebuilt from the DB
    ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ(count(**reloaded, {{"device_id", "vm2"}, {"network_id", net}}), 1u);
  }
  ASSERT_TRUE(s_->Delete("port", p->id).ok());
  EXPECT_EQ(count(*s_, {{"device_id", "vm2"}}), 0u);
}

}  // namespace
}  // namespace isthmus::central
