// Neutron's standard-attr-tag (tags.h, tags_api.h) and sorting extensions over
// a real HTTP server with authentication on: the /tags routes with Neutron's
// codes on every taggable kind, the tag filters, revisions, access; sort keys
// checked and values ordered by type, pages linked as Neutron links them.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <map>
#include <set>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

using nlohmann::json;

class TagsTest : public CentralApiTest {
 protected:
  TagsTest() : CentralApiTest("tags") {}
  std::vector<std::string> Tags(const std::string& token, const std::string& path) {
    auto [code, body] = Call(token, "GET", path + "/tags");
    EXPECT_EQ(code, 200) << body.dump();
    return body.value("tags", std::vector<std::string>{});
  }
  // The ids of a list's items among `ids`, in the list's order.
  std::vector<std::string> Among(const json& list, const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    for (const auto& item : list)
      if (std::find(ids.begin(), ids.end(), item["id"]) != ids.end()) out.push_back(item["id"]);
    return out;
  }
};

// The operations tempest and the plugin make (test_tag.py, test_tags.py), on a network.
TEST_F(TagsTest, TagOperationsWithNeutronsCodes) {
  const std::string net = "/v2.0/networks/" + Network(demo_);
  const int64_t rev = Call(demo_, "GET", net).second["network"]["revision_number"];
  auto [cp, put] = Call(demo_, "PUT", net + "/tags", {{"tags", {"red", "blue"}}});
  ASSERT_EQ(cp, 200) << put.dump();
  EXPECT_EQ(put["tags"], json({"blue", "red"}));
  // A tag change is a change of the resource: a new revision, shown in its view.
  json shown = Call(demo_, "GET", net).second["network"];
  EXPECT_EQ(shown["tags"], json({"blue", "red"}));
  EXPECT_GT(shown["revision_number"].get<int64_t>(), rev);
  EXPECT_EQ(Call(demo_, "PUT", net + "/tags/green").first, 201);
  EXPECT_EQ(Call(demo_, "PUT", net + "/tags/red").first, 201);  // already there: still 201, once
  EXPECT_EQ(Call(demo_, "PUT", net + "/tags/black.or.white").first, 201);
  EXPECT_EQ(Tags(demo_, net), (std::vector<std::string>{"black.or.white", "blue", "green", "red"}));
  EXPECT_EQ(Call(demo_, "GET", net + "/tags/red").first, 204);
  EXPECT_EQ(Call(demo_, "GET", net + "/tags/yellow").first, 404);
  EXPECT_EQ(Call(demo_, "DELETE", net + "/tags/red").first, 204);
  EXPECT_EQ(Call(demo_, "DELETE", net + "/tags/red").first, 404);
  auto [cpost, post] = Call(demo_, "POST", net + "/tags", {{"tags", {"x", "blue"}}});
  EXPECT_EQ(cpost, 201) << post.dump();
  EXPECT_EQ(post["tags"], json({"black.or.white", "blue", "green", "x"}));
  EXPECT_EQ(Call(demo_, "DELETE", net + "/tags").first, 204);
  EXPECT_EQ(Tags(demo_, net), std::vector<std::string>{});
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks/nope/tags").first, 404);
  EXPECT_EQ(Call(demo_, "PUT", "/v2.0/networks/nope/tags/a").first, 404);
}

// Bad tags are 400 and change nothing; another project's resource is 404 to a
// member, an external network's tags are readable but not writable by one.
TEST_F(TagsTest, BadTagsAndAccess) {
  const std::string net = "/v2.0/networks/" + Network(demo_);
  ASSERT_EQ(Call(demo_, "PUT", net + "/tags", {{"tags", {"keep"}}}).first, 200);
  const std::string long_tag(256, 't');
  for (const json& body : {json{{"tags", {"a", "a"}}}, json{{"tags", {long_tag}}}, json{{"tags", {""}}},
                           json{{"tags", {1}}}, json{{"tags", "a"}}, json{{"tag", {"a"}}}, json::array()})
    EXPECT_EQ(Call(demo_, "PUT", net + "/tags", body).first, 400) << body.dump();
  EXPECT_EQ(Call(demo_, "PUT", net + "/tags/" + long_tag).first, 400);
  json many = json::array();
  for (size_t i = 0; i <= kMaxTagsPerResource; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(Call(demo_, "PUT", net + "/tags", {{"tags", many}}).first, 400);
  EXPECT_EQ(Tags(demo_, net), std::vector<std::string>{"keep"});
  EXPECT_EQ(Call(other_, "GET", net + "/tags").first, 404);
  EXPECT_EQ(Call(other_, "PUT", net + "/tags/mine").first, 404);
  EXPECT_EQ(Call(admin_, "PUT", net + "/tags/admin").first, 201);  // an admin acts on any project's
  auto [ce, ext] = Call(admin_, "POST", "/v2.0/networks",
                        {{"network", {{"router:external", true}, {"provider:physical_network", "external"}}}});
  ASSERT_EQ(ce, 201) << ext.dump();
  const std::string ext_path = "/v2.0/networks/" + ext["network"]["id"].get<std::string>();
  ASSERT_EQ(Call(admin_, "PUT", ext_path + "/tags/public").first, 201);
  EXPECT_EQ(Tags(demo_, ext_path), std::vector<std::string>{"public"});
  EXPECT_EQ(Call(demo_, "PUT", ext_path + "/tags/mine").first, 403);
  EXPECT_EQ(Tags(demo_, ext_path), std::vector<std::string>{"public"});
}

// Every taggable kind has the routes and shows its tags; a port takes tags on create.
TEST_F(TagsTest, EveryTaggableKind) {
  const std::string net = Network(demo_);
  auto [cs, sub] = Call(demo_, "POST", "/v2.0/subnets", {{"subnet", {{"network_id", net}, {"cidr", "10.1.0.0/24"}}}});
  ASSERT_EQ(cs, 201);
  auto [cp, port] = Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"tags", {"b", "a"}}}}});
  ASSERT_EQ(cp, 201) << port.dump();
  EXPECT_EQ(port["port"]["tags"], json({"a", "b"}));
  EXPECT_EQ(Call(demo_, "POST", "/v2.0/ports", {{"port", {{"network_id", net}, {"tags", {"a", "a"}}}}}).first, 400);
  auto [cr, router] = Call(demo_, "POST", "/v2.0/routers", {{"router", {{"name", "r"}}}});
  ASSERT_EQ(cr, 201);
  auto [cg, group] = Call(demo_, "POST", "/v2.0/security-groups", {{"security_group", {{"name", "g"}}}});
  ASSERT_EQ(cg, 201);
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"networks", net},
      {"subnets", sub["subnet"]["id"]},
      {"ports", port["port"]["id"]},
      {"routers", router["router"]["id"]},
      {"security-groups", group["security_group"]["id"]}};
  for (const auto& [plural, id] : kinds) {
    const std::string path = "/v2.0/" + plural + "/" + id;
    ASSERT_EQ(Call(demo_, "PUT", path + "/tags", {{"tags", {"t1"}}}).first, 200) << plural;
    auto [code, item] = Call(demo_, "GET", path);
    ASSERT_EQ(code, 200);
    EXPECT_EQ(item.begin().value()["tags"], json({"t1"})) << plural;
  }
  EXPECT_EQ(Call(demo_, "GET", "/v2.0/security-group-rules/x/tags").first, 404);  // rules have no tags
}

// tags (all of them), tags-any (one of them), not-tags (not all of them),
// not-tags-any (none of them): comma-separated, as the plugin's TagFilterTestJSON.
TEST_F(TagsTest, TagFilters) {
  std::vector<std::string> ids;
  const std::vector<json> tags = {{"red"}, {"red", "blue"}, {"red", "blue", "green"}, {"green"}, json::array()};
  for (size_t i = 0; i < tags.size(); ++i) {
    ids.push_back(Network(demo_, "n" + std::to_string(i)));
    ASSERT_EQ(Call(demo_, "PUT", "/v2.0/networks/" + ids[i] + "/tags", {{"tags", tags[i]}}).first, 200);
  }
  auto matching = [&](const std::string& query) {
    auto [code, list] = Call(demo_, "GET", "/v2.0/networks?" + query);
    EXPECT_EQ(code, 200) << query;
    std::set<size_t> out;
    for (const auto& id : Among(list["networks"], ids)) out.insert(std::find(ids.begin(), ids.end(), id) - ids.begin());
    return out;
  };
  EXPECT_EQ(matching("tags=red"), (std::set<size_t>{0, 1, 2}));
  EXPECT_EQ(matching("tags=red,blue"), (std::set<size_t>{1, 2}));
  EXPECT_EQ(matching("tags=red&tags=blue"), (std::set<size_t>{1, 2}));
  EXPECT_EQ(matching("tags-any=blue"), (std::set<size_t>{1, 2}));
  EXPECT_EQ(matching("tags-any=red,blue"), (std::set<size_t>{0, 1, 2}));
  EXPECT_EQ(matching("not-tags=red"), (std::set<size_t>{3, 4}));
  EXPECT_EQ(matching("not-tags=red,blue"), (std::set<size_t>{0, 3, 4}));
  EXPECT_EQ(matching("not-tags-any=blue"), (std::set<size_t>{0, 3, 4}));
  EXPECT_EQ(matching("not-tags-any=red,blue"), (std::set<size_t>{3, 4}));
  EXPECT_EQ(matching("tags=red&not-tags-any=green"), (std::set<size_t>{0, 1}));
}

// sort_key/sort_dir: an attribute of one value; numbers by value, null first.
TEST_F(TagsTest, SortKeysAreCheckedAndValuesOrderedByType) {
  std::vector<std::string> ids;
  for (const std::string name : {"test1", "abc1", "test10", "123test", "test1"}) ids.push_back(Network(demo_, name));
  auto names = [&](const std::string& query) {
    auto [code, list] = Call(demo_, "GET", "/v2.0/networks?" + query);
    EXPECT_EQ(code, 200) << list.dump();
    std::vector<std::string> out;
    for (const auto& n : list["networks"]) out.push_back(n["name"]);
    return out;
  };
  EXPECT_EQ(names("sort_key=name&sort_dir=asc"),
            (std::vector<std::string>{"123test", "abc1", "test1", "test1", "test10"}));
  EXPECT_EQ(names("sort_key=name&sort_dir=desc"),
            (std::vector<std::string>{"test10", "test1", "test1", "abc1", "123test"}));
  for (const std::string bad : {"sort_key=nope", "sort_key=subnets", "sort_key=tags", "sort_key=name&sort_dir=up"})
    EXPECT_EQ(Call(demo_, "GET", "/v2.0/networks?" + bad).first, 400) << bad;
  // Revisions 1, 2, ..., 10: numbers by value (10 after 9, not after 1).
  const std::string net = "/v2.0/networks/" + ids[0];
  for (int i = 0; i < 9; ++i) ASSERT_EQ(Call(demo_, "PUT", net + "/tags/t" + std::to_string(i)).first, 201);
  auto [code, list] = Call(demo_, "GET", "/v2.0/networks?sort_key=revision_number&sort_dir=desc");
  ASSERT_EQ(code, 200);
  EXPECT_EQ(list["networks"][0]["id"], ids[0]);
  EXPECT_EQ(list["networks"][0]["revision_number"], 10);
}

// Pages in a sort order, linked as Neutron links them: `next` unless a page
// is short (not reversed), `previous` unless it is short and reversed; the
// empty page after the last item links back to the last page. The plugin's
// _list_all_with_hrefs: forward one by one past the end, then back.
TEST_F(TagsTest, PagesLinkedAsNeutronLinksThem) {
  for (const std::string name : {"test1", "abc1", "test10", "123test", "test1"}) Network(demo_, name);
  auto get = [&](const std::string& href) {
    const std::string path = href.substr(href.find("/v2.0/"));
    auto [code, page] = Call(demo_, "GET", path);
    EXPECT_EQ(code, 200) << path << " " << page.dump();
    std::map<std::string, std::string> links;
    for (const auto& l : page.value("networks_links", json::array())) links[l["rel"]] = l["href"];
    std::vector<std::string> names;
    for (const auto& n : page["networks"]) names.push_back(n["name"]);
    return std::make_pair(names, links);
  };
  std::vector<std::string> forward, backward;
  auto [first, links] = get("/v2.0/networks?limit=1&sort_key=name&sort_dir=asc");
  forward.insert(forward.end(), first.begin(), first.end());
  for (int i = 1; i < 5; ++i) {
    ASSERT_TRUE(links.count("next")) << i;
    auto [names, next_links] = get(links["next"]);
    ASSERT_EQ(names.size(), 1u);
    forward.push_back(names[0]);
    links = next_links;
  }
  EXPECT_EQ(forward, (std::vector<std::string>{"123test", "abc1", "test1", "test1", "test10"}));
  ASSERT_TRUE(links.count("next"));  // a full page links on, even at the end
  auto [empty, end_links] = get(links["next"]);
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(end_links.count("next"));
  links = end_links;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(links.count("previous")) << i;
    auto [names, prev_links] = get(links["previous"]);
    ASSERT_EQ(names.size(), 1u) << i;
    backward.insert(backward.begin(), names[0]);
    links = prev_links;
  }
  EXPECT_EQ(backward, forward);
  // No limit, no links.
  EXPECT_FALSE(Call(demo_, "GET", "/v2.0/networks?sort_key=name").second.contains("networks_links"));
}

}  // namespace
}  // namespace isthmus::central
