// The rest provider's requests: path placeholders, where params go, the fixed query, paging params of the
// first page, every auth kind, and the Link header's next URL kept on the endpoint's origin.
#include <gtest/gtest.h>

#include "datasource/rest/json_path.hpp"
#include "datasource/rest/request_builder.hpp"
#include "rest_test_util.hpp"

namespace datasync::datasource::rest {
namespace {

using core::ErrorKind;
using core::LogicalType;
using testing::DatasetSettingsOf;
using testing::MakeDataset;
using testing::MakeSource;
using testing::SourceSettingsOf;
using Strings = std::vector<std::string>;

Dataset Items(std::initializer_list<testing::Opt> options) {
  return MakeDataset({{"id", LogicalType::Int64()}}, options);
}

std::string Header(const BuiltRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<none>";
}

TEST(RestJsonPathTest, ParsesKeysIndicesAndTheRoot) {
  auto p = ParseJsonPath("$.errors[0].code");
  ASSERT_TRUE(p) << p.error().ToString();
  ASSERT_EQ(p->steps.size(), 2u);
  EXPECT_EQ(p->steps[0].key, "errors");
  EXPECT_EQ(p->steps[0].index, std::optional<size_t>(0));
  EXPECT_EQ(p->steps[1].key, "code");
  EXPECT_TRUE(ParseJsonPath("$")->IsRoot());
  EXPECT_TRUE(ParseJsonPath("")->IsRoot());
  EXPECT_EQ(ParseJsonPath("data[2][3]")->steps.size(), 2u);
  EXPECT_EQ(ParseJsonPath("[1]")->steps.size(), 1u);
  for (std::string bad : {"a..b", "a.", "a[x]", "a[-1]", "a[1", "a]b", "a[0]b"}) {
    auto r = ParseJsonPath(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kConfig);
    EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().message();
  }
}

TEST(RestRequestTest, PlaceholdersAreFilledEncodedAndNotSentAgainAndVariablesStayLocal) {
  auto source = SourceSettingsOf(MakeSource("https://api.example.com/"));
  Dataset ds = Items({{"path", std::string("/v1/{publisher}/{table}.json")},
                      {"records", std::string("data")},
                      {"query", Strings{"format=full", "x=a b"}}});
  auto r = BuildRequest(source, *DatasetSettingsOf(ds), ds,
                        {{"publisher", "ZACKS"}, {"table", "F C/1"}, {"ticker", "AAPL,MSFT"}, {"_window", "w1"}}, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->url, "https://api.example.com/v1/ZACKS/F%20C%2F1.json?format=full&x=a%20b&ticker=AAPL%2CMSFT");
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(Header(*r, "Accept"), "application/json");

  auto missing = BuildRequest(source, *DatasetSettingsOf(ds), ds, {{"publisher", "ZACKS"}}, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(missing.error().message().find("'table'"), std::string::npos) << missing.error().message();
}

TEST(RestRequestTest, PostSendsTheParamsAsAJsonBodyTypedByTheDeclaredParams) {
  auto source = SourceSettingsOf(MakeSource("https://api.example.com"));
  Dataset ds =
      Items({{"path", std::string("/search")}, {"method", std::string("POST")}, {"records", std::string("$")}});
  ds.params = {{"limit", "int"}, {"ratio", "float"}, {"open", "bool"}, {"name", "str"}};
  auto r = BuildRequest(source, *DatasetSettingsOf(ds), ds,
                        {{"limit", "10"}, {"ratio", "0.5"}, {"open", "true"}, {"name", "a\"b"}, {"other", "7"}}, {});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, "https://api.example.com/search");
  EXPECT_EQ(r->body, R"({"limit":10,"ratio":0.5,"open":true,"name":"a\"b","other":"7"})");
  EXPECT_EQ(Header(*r, "Content-Type"), "application/json");
  // params_in: query keeps a POST's params in the URL.
  Dataset q = Items({{"path", std::string("/search")},
                     {"method", std::string("POST")},
                     {"records", std::string("$")},
                     {"params_in", std::string("query")}});
  auto rq = BuildRequest(source, *DatasetSettingsOf(q), q, {{"limit", "10"}}, {});
  EXPECT_EQ(rq->url, "https://api.example.com/search?limit=10");
  EXPECT_EQ(rq->body, "");
}

TEST(RestRequestTest, TheFirstPageOfOffsetAndPageNumberPagingSaysWhereItStarts) {
  auto source = SourceSettingsOf(MakeSource("http://127.0.0.1:8080"));
  Dataset offset = Items({{"path", std::string("/items")},
                          {"records", std::string("items")},
                          {"paginate", std::string("offset")},
                          {"page_size", int64_t{50}},
                          {"offset_param", std::string("skip")},
                          {"limit_param", std::string("take")}});
  EXPECT_EQ(BuildRequest(source, *DatasetSettingsOf(offset), offset, {}, {})->url,
            "http://127.0.0.1:8080/items?skip=0&take=50");
  EXPECT_EQ(BuildRequest(source, *DatasetSettingsOf(offset), offset, {{"skip", "100"}}, {})->url,
            "http://127.0.0.1:8080/items?skip=100&take=50");
  Dataset pages = Items({{"path", std::string("/items")},
                         {"records", std::string("items")},
                         {"paginate", std::string("page_number")},
                         {"first_page", int64_t{0}}});
  EXPECT_EQ(BuildRequest(source, *DatasetSettingsOf(pages), pages, {}, {})->url, "http://127.0.0.1:8080/items?page=0");
}

TEST(RestRequestTest, EachAuthKindPutsItsCredentialWhereItBelongs) {
  Dataset ds = Items({{"path", std::string("/items")}, {"records", std::string("items")}});
  Credentials c{.api_key = "k-123 /+", .token = "tok-456", .username = "ann", .password = "pa:ss", .headers = {}};

  auto query =
      SourceSettingsOf(MakeSource("https://h", {{"auth", std::string("api_key")}, {"api_key", std::string("${K}")}}));
  auto r = BuildRequest(query, *DatasetSettingsOf(ds), ds, {{"a", "1"}}, c);
  EXPECT_EQ(r->url, "https://h/items?a=1&api_key=k-123%20%2F%2B");
  EXPECT_EQ(Header(*r, "Authorization"), "<none>");

  auto header = SourceSettingsOf(MakeSource("https://h", {{"auth", std::string("api_key")},
                                                          {"api_key", std::string("${K}")},
                                                          {"api_key_in", std::string("header")},
                                                          {"api_key_name", std::string("X-Api-Token")}}));
  r = BuildRequest(header, *DatasetSettingsOf(ds), ds, {}, c);
  EXPECT_EQ(r->url, "https://h/items");
  EXPECT_EQ(Header(*r, "X-Api-Token"), "k-123 /+");

  auto bearer =
      SourceSettingsOf(MakeSource("https://h", {{"auth", std::string("bearer")}, {"token", std::string("${T}")}}));
  EXPECT_EQ(Header(*BuildRequest(bearer, *DatasetSettingsOf(ds), ds, {}, c), "Authorization"), "Bearer tok-456");

  auto basic = SourceSettingsOf(MakeSource(
      "https://h",
      {{"auth", std::string("basic")}, {"username", std::string("ann")}, {"password", std::string("${P}")}}));
  EXPECT_EQ(Header(*BuildRequest(basic, *DatasetSettingsOf(ds), ds, {}, c), "Authorization"), "Basic YW5uOnBhOnNz");
}

TEST(RestRequestTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(RestLinkTest, FindsRelNextAmongSeveralLinksAndHeaders) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"content-type", "application/json"},
      {"link", R"(<https://api.x.com/items?page=1>; rel="first", <https://api.x.com/items?page=3&a=1,2>; rel="next")"},
  };
  EXPECT_EQ(LinkNext(h), std::optional<std::string>("https://api.x.com/items?page=3&a=1,2"));
  EXPECT_EQ(LinkNext({{"link", "</items?page=2>; rel=next"}}), std::optional<std::string>("/items?page=2"));
  EXPECT_EQ(LinkNext({{"link", R"(<https://a/b>; rel="prev last")"}}), std::nullopt);
  EXPECT_EQ(LinkNext({{"link", R"(<https://a/b>; rel="last next")"}}), std::optional<std::string>("https://a/b"));
  EXPECT_EQ(LinkNext({{"link", "garbage <no end"}}), std::nullopt);
  EXPECT_EQ(LinkNext({}), std::nullopt);
}

TEST(RestLinkTest, OnlyTheEndpointsOriginIsFollowed) {
  const std::string ep = "https://api.x.com/v2";
  EXPECT_EQ(SameOriginUrl(ep, "https://api.x.com/v2/items?page=2"), "https://api.x.com/v2/items?page=2");
  EXPECT_EQ(SameOriginUrl(ep, "https://API.X.COM:443/v2/items"), "https://API.X.COM:443/v2/items");
  EXPECT_EQ(SameOriginUrl(ep, "/v2/items?page=2"), "https://api.x.com/v2/items?page=2");
  EXPECT_EQ(SameOriginUrl(ep, "https://evil.example/v2/items"), std::nullopt);
  EXPECT_EQ(SameOriginUrl(ep, "http://api.x.com/v2/items"), std::nullopt);  // scheme downgrade
  EXPECT_EQ(SameOriginUrl(ep, "https://api.x.com:8443/v2/items"), std::nullopt);
  EXPECT_EQ(SameOriginUrl(ep, "https://api.x.com.evil.example/"), std::nullopt);
  EXPECT_EQ(SameOriginUrl(ep, "https://api.x.com@evil.example/"), std::nullopt);
  EXPECT_EQ(SameOriginUrl(ep, "https://user:pw@api.x.com/"), std::nullopt);
  EXPECT_EQ(SameOriginUrl(ep, "//evil.example/x"), std::nullopt);
  EXPECT_EQ(SameOriginUrl(ep, "items?page=2"), std::nullopt);
}

TEST(RestLinkTest, AnEchoedKeyIsCutFromTheLinkBeforeItIsStored) {
  EXPECT_EQ(WithoutQueryParam("https://h/p?a=1&api_key=k&b=2", "api_key"), "https://h/p?a=1&b=2");
  EXPECT_EQ(WithoutQueryParam("https://h/p?api_key=k", "api_key"), "https://h/p");
  EXPECT_EQ(WithoutQueryParam("https://h/p?api_keys=1#f", "api_key"), "https://h/p?api_keys=1#f");
  EXPECT_EQ(WithoutQueryParam("https://h/p", "api_key"), "https://h/p");
}

TEST(RestLinkTest, ALinkPageIsRequestedAsTheVendorWroteItWithTheKeyAddedOnce) {
  auto source = SourceSettingsOf(
      MakeSource("https://api.x.com", {{"auth", std::string("api_key")}, {"api_key", std::string("${K}")}}));
  Dataset ds = Items({{"path", std::string("/items")},
                      {"records", std::string("$")},
                      {"paginate", std::string("link")},
                      {"query", Strings{"fixed=1"}}});
  Credentials c{.api_key = "key-1"};
  auto r = BuildRequest(source, *DatasetSettingsOf(ds), ds,
                        {{"q", "x"}, {std::string(kNextUrlParam), "https://api.x.com/items?q=x&fixed=1&page=2"}}, c);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->url, "https://api.x.com/items?q=x&fixed=1&page=2&api_key=key-1");
  r = BuildRequest(source, *DatasetSettingsOf(ds), ds,
                   {{std::string(kNextUrlParam), "https://api.x.com/items?page=2&api_key=key-1"}}, c);
  EXPECT_EQ(r->url, "https://api.x.com/items?page=2&api_key=key-1");
  auto foreign = BuildRequest(source, *DatasetSettingsOf(ds), ds,
                              {{std::string(kNextUrlParam), "https://evil.example/items?page=2"}}, c);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().kind(), ErrorKind::kPermanent);
  EXPECT_NE(foreign.error().message().find("evil.example"), std::string::npos);
  EXPECT_EQ(foreign.error().message().find("key-1"), std::string::npos);
}

}  // namespace
}  // namespace datasync::datasource::rest
