// The rest provider's page chains, driven end to end through BuildRequest and DecodeAnswer against a vendor
// simulated in the test (ten rows, ids 0..9, three a page): a RESTART_PAGING answer to a later page restarts
// the pages from the first on every paginate kind and the rows stored are exactly the vendor's, each once;
// a first page cannot restart, restarts are bounded; max_pages stops an API that ignores its page param
// after exactly max_pages stored pages, and lets one that ends in time end.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "core/strings.hpp"
#include "datasource/rest/request_builder.hpp"
#include "datasource/rest/response_decoder.hpp"
#include "rest_test_util.hpp"

namespace datasync::datasource::rest {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::OptionRecords;
using testing::DatasetSettingsOf;
using testing::MakeDataset;
using testing::MakeSource;
using testing::SourceSettingsOf;

constexpr int kRows = 10;
constexpr int kPageSize = 3;

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  for (const auto& item : core::Split(url.substr(q + 1), '&')) {
    size_t eq = item.find('=');
    out[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  return out;
}

struct VendorAnswer {
  long status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Rows [start, start + kPageSize) of ids 0..kRows-1 as {"items":[{"id":N},...], "next": ...}.
std::string Items(int start, std::string next) {
  std::string body = R"({"items":[)";
  for (int i = start; i < std::min(start + kPageSize, kRows); ++i) {
    if (i > start) body += ',';
    body += R"({"id":)" + std::to_string(i) + "}";
  }
  return body + R"(],"next":)" + next + "}";
}

const char* kExpired = R"({"error":{"code":"EXPIRED","message":"this cursor expired"}})";

struct ChainResult {
  std::vector<int64_t> ids;  // stored, in order
  int tasks = 0;
  std::vector<std::string> warnings;
  std::optional<core::Error> failure;
};

class RestPagingTest : public ::testing::Test {
 protected:
  Dataset ItemsDataset(const std::vector<testing::Opt>& paging) {
    Dataset ds =
        MakeDataset({{"id", LogicalType::Int64()}}, {{"path", std::string("/p")}, {"records", std::string("items")}});
    for (const auto& [k, v] : paging) ds.options.Set(k, v);
    return ds;
  }

  // Runs the chain of one request as the engine would: each page a task of its own, its rows stored, its
  // NextPage verdict the next task; a failure ends it.
  ChainResult Run(const Dataset& ds, const std::function<VendorAnswer(const std::string& url, int start)>& vendor,
                  const std::function<int(const std::map<std::string, std::string>&, const std::string&)>& start_of) {
    SourceSettings source = SourceSettingsOf(source_);
    auto settings = DatasetSettingsOf(ds);
    ChainResult out;
    Params params;
    for (;;) {
      if (++out.tasks > 100) {
        ADD_FAILURE() << "the chain never ends";
        return out;
      }
      auto built = BuildRequest(source, *settings, ds, params, {});
      if (!built) {
        out.failure = built.error();
        return out;
      }
      EXPECT_EQ(built->url.find("_rest"), std::string::npos) << "the chain's params are never sent: " << built->url;
      VendorAnswer a = vendor(built->url, start_of(QueryOf(built->url), built->url));
      RawResponse r{.http_status = a.status, .body = a.body, .headers = a.headers};
      DecodeInput in;
      in.dataset = &ds;
      in.source = &source;
      in.settings = settings.get();
      in.params = &params;
      in.classify.prefix = "rest api/items: ";
      auto page = DecodeAnswer(r, in);
      if (!page) {
        out.failure = page.error();
        return out;
      }
      for (size_t i = 0; i < page->batch.num_rows(); ++i) out.ids.push_back(page->batch.column(0).GetInt64(i));
      out.warnings.insert(out.warnings.end(), page->warnings.begin(), page->warnings.end());
      if (page->verdict.kind != PageVerdict::Kind::kNextPage) return out;
      params = page->verdict.next;
    }
  }

  DataSource source_ = MakeSource(
      "https://api.x.com",
      {{"error_rules",
        OptionRecords{{{"code_path", "error.code"}, {"code_match", "^EXPIRED$"}, {"class", "RESTART_PAGING"}},
                      {{"status", "400"}, {"class", "PERMANENT"}}}}});
};

struct PagingKind {
  std::string name;
  std::vector<testing::Opt> options;
  // Where the page starts, from the request's query and URL.
  std::function<int(const std::map<std::string, std::string>&, const std::string&)> start_of;
  // The answer for rows from `start`.
  std::function<VendorAnswer(int start)> answer;
};

std::vector<PagingKind> Kinds() {
  auto number = [](const std::map<std::string, std::string>& q, const char* name, int absent) {
    auto it = q.find(name);
    return it == q.end() ? absent : static_cast<int>(*core::ParseInt64(it->second));
  };
  std::vector<PagingKind> kinds;
  kinds.push_back(
      {"cursor",
       {{"paginate", std::string("cursor")}, {"cursor_path", std::string("next")}},
       [=](const auto& q, const std::string&) { return number(q, "cursor", 0); },
       [](int start) {
         return VendorAnswer{
             200, Items(start, start + kPageSize < kRows ? "\"" + std::to_string(start + kPageSize) + "\"" : "null")};
       }});
  kinds.push_back({"offset",
                   {{"paginate", std::string("offset")}, {"page_size", int64_t{kPageSize}}},
                   [=](const auto& q, const std::string&) { return number(q, "offset", -1); },
                   [](int start) {
                     return VendorAnswer{200, Items(start, "null")};
                   }});
  kinds.push_back({"page_number",
                   {{"paginate", std::string("page_number")}, {"page_size", int64_t{kPageSize}}},
                   [=](const auto& q, const std::string&) { return (number(q, "page", -1) - 1) * kPageSize; },
                   [](int start) {
                     return VendorAnswer{200, Items(start, "null")};
                   }});
  kinds.push_back({"link",
                   {{"paginate", std::string("link")}},
                   [=](const auto& q, const std::string&) { return number(q, "start", 0); },
                   [](int start) {
                     VendorAnswer a{200, Items(start, "null")};
                     if (start + kPageSize < kRows) {
                       a.headers.emplace_back("link", "<https://api.x.com/p?start=" +
                                                          std::to_string(start + kPageSize) + ">; rel=\"next\"");
                     }
                     return a;
                   }});
  return kinds;
}

std::vector<int64_t> AllIds() {
  std::vector<int64_t> ids;
  for (int i = 0; i < kRows; ++i) ids.push_back(i);
  return ids;
}

TEST_F(RestPagingTest, ARefusedLaterPageRestartsFromTheFirstAndStoresEveryRowOnce) {
  for (const PagingKind& kind : Kinds()) {
    SCOPED_TRACE(kind.name);
    Dataset ds = ItemsDataset(kind.options);
    int refusals = 0;
    // The page of rows 6..8 is refused once (its cursor expired); rows 0..5 are stored by then.
    auto vendor = [&](const std::string&, int start) {
      if (start == 6 && refusals++ == 0) return VendorAnswer{400, kExpired};
      return kind.answer(start);
    };
    ChainResult r = Run(ds, vendor, kind.start_of);
    ASSERT_FALSE(r.failure) << r.failure->ToString();
    EXPECT_EQ(r.ids, AllIds()) << "no row lost, none stored twice";
    EXPECT_EQ(refusals, 2);
    // 0,3,[6 refused] + restart: 0,3 (dropped),6,9.
    EXPECT_EQ(r.tasks, 3 + 4);
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find("RESTART_PAGING"), std::string::npos) << r.warnings[0];
    EXPECT_NE(r.warnings[0].find("skipping the 6 row(s) already stored"), std::string::npos) << r.warnings[0];
  }
}

TEST_F(RestPagingTest, ARestartInsideTheSkipDropsOnlyWhatWasKept) {
  // Refused at rows 6 and then again at rows 3 of the restarted chain (where it still drops rows): the
  // second restart drops the same 6 rows, and every row is stored once.
  for (const PagingKind& kind : Kinds()) {
    SCOPED_TRACE(kind.name);
    Dataset ds = ItemsDataset(kind.options);
    int calls_at_6 = 0, calls_at_3 = 0;
    auto vendor = [&](const std::string&, int start) {
      if (start == 6 && calls_at_6++ == 0) return VendorAnswer{400, kExpired};
      if (start == 3 && calls_at_3++ == 1) return VendorAnswer{400, kExpired};
      return kind.answer(start);
    };
    ChainResult r = Run(ds, vendor, kind.start_of);
    ASSERT_FALSE(r.failure) << r.failure->ToString();
    EXPECT_EQ(r.ids, AllIds());
    EXPECT_EQ(r.warnings.size(), 2u);
  }
}

TEST_F(RestPagingTest, RestartsAreBoundedAndTheRowsStoredStayUnique) {
  for (const PagingKind& kind : Kinds()) {
    SCOPED_TRACE(kind.name);
    Dataset ds = ItemsDataset(kind.options);
    auto vendor = [&](const std::string&, int start) {
      return start == 6 ? VendorAnswer{400, kExpired} : kind.answer(start);
    };
    ChainResult r = Run(ds, vendor, kind.start_of);
    ASSERT_TRUE(r.failure);
    // A later page whose earlier pages are stored fails (PERMANENT) rather than being skipped (INVALID_INPUT),
    // which would end the run "succeeded" with the rest of the answer missing.
    EXPECT_EQ(r.failure->kind(), ErrorKind::kPermanent);
    EXPECT_NE(r.failure->message().find("RESTART_PAGING"), std::string::npos) << r.failure->message();
    EXPECT_NE(r.failure->message().find("restarted 5 times already"), std::string::npos) << r.failure->message();
    EXPECT_EQ(r.ids, (std::vector<int64_t>{0, 1, 2, 3, 4, 5})) << "the restarted chains stored nothing again";
    EXPECT_EQ(r.warnings.size(), 5u);
  }
}

TEST_F(RestPagingTest, ALaterPageRefusedAsInvalidInputFailsTheTaskInsteadOfSkippingIt) {
  const char* refused = R"({"error":{"code":"BAD","message":"bad request"}})";  // no rule: 422 is INVALID_INPUT
  for (const PagingKind& kind : Kinds()) {
    SCOPED_TRACE(kind.name);
    Dataset ds = ItemsDataset(kind.options);
    ChainResult later = Run(
        ds,
        [&](const std::string&, int start) {
          return start == 6 ? VendorAnswer{422, refused} : kind.answer(start);
        },
        kind.start_of);
    ASSERT_TRUE(later.failure);
    EXPECT_EQ(later.failure->kind(), ErrorKind::kPermanent);
    EXPECT_NE(later.failure->message().find("later page of a paged answer"), std::string::npos)
        << later.failure->message();
    EXPECT_EQ(later.ids, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
    // The same answer to a first page is the request refused whole: skipped, as for every provider.
    ChainResult first = Run(
        ds,
        [&](const std::string&, int start) {
          return start <= 0 ? VendorAnswer{422, refused} : kind.answer(start);
        },
        kind.start_of);
    ASSERT_TRUE(first.failure);
    EXPECT_EQ(first.failure->kind(), ErrorKind::kInvalidInput);
  }
}

TEST_F(RestPagingTest, ARefusedFirstPageCannotRestartAndFailsAsInvalidInput) {
  for (const PagingKind& kind : Kinds()) {
    SCOPED_TRACE(kind.name);
    Dataset ds = ItemsDataset(kind.options);
    auto vendor = [&](const std::string&, int start) {
      return start <= 0 ? VendorAnswer{400, kExpired} : kind.answer(start);
    };
    ChainResult r = Run(ds, vendor, kind.start_of);
    ASSERT_TRUE(r.failure);
    EXPECT_EQ(r.failure->kind(), ErrorKind::kInvalidInput);
    EXPECT_EQ(r.failure->code(), "EXPIRED");
    EXPECT_NE(r.failure->message().find("error_rules[0]: RESTART_PAGING, failing as INVALID_INPUT"), std::string::npos)
        << r.failure->message();
    EXPECT_NE(r.failure->message().find("first page"), std::string::npos) << r.failure->message();
    EXPECT_EQ(r.tasks, 1);
  }
  // Without paging there is no later page either.
  Dataset none = ItemsDataset({});
  ChainResult r = Run(
      none,
      [](const std::string&, int) {
        return VendorAnswer{400, kExpired};
      },
      [](const auto&, const std::string&) { return 0; });
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind(), ErrorKind::kInvalidInput);
}

TEST_F(RestPagingTest, MaxPagesStopsAnApiThatIgnoresItsPageParamAfterExactlyThatManyPages) {
  Dataset ds = ItemsDataset(
      {{"paginate", std::string("page_number")}, {"page_size", int64_t{kPageSize}}, {"max_pages", int64_t{4}}});
  int calls = 0;
  // Every page is the first: full, so "more" forever.
  ChainResult r = Run(
      ds,
      [&](const std::string&, int) {
        ++calls;
        return VendorAnswer{200, Items(0, "null")};
      },
      [](const auto&, const std::string&) { return 0; });
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind(), ErrorKind::kPermanent);
  EXPECT_EQ(r.failure->code(), "max_pages");
  const std::string& m = r.failure->message();
  EXPECT_NE(m.find("took 4 pages"), std::string::npos) << m;
  EXPECT_NE(m.find("datasets.items.max_pages"), std::string::npos) << m;
  EXPECT_NE(m.find("page_param 'page'"), std::string::npos) << m;
  EXPECT_EQ(calls, 4) << "no call beyond max_pages";
  EXPECT_EQ(r.ids.size(), 4u * kPageSize) << "the 4 pages read stay stored";

  // An answer of exactly max_pages pages ends normally.
  Dataset enough = ItemsDataset(
      {{"paginate", std::string("page_number")}, {"page_size", int64_t{kPageSize}}, {"max_pages", int64_t{4}}});
  auto kinds = Kinds();
  ChainResult ok = Run(
      enough, [&](const std::string&, int start) { return kinds[2].answer(start); }, kinds[2].start_of);
  ASSERT_FALSE(ok.failure) << ok.failure->ToString();
  EXPECT_EQ(ok.ids, AllIds());
  EXPECT_EQ(ok.tasks, 4);

  // The same on a cursor API that hands out fresh cursors forever, one page under the default.
  Dataset cursors = ItemsDataset(
      {{"paginate", std::string("cursor")}, {"cursor_path", std::string("next")}, {"max_pages", int64_t{3}}});
  int n = 0;
  ChainResult c = Run(
      cursors,
      [&](const std::string&, int) {
        return VendorAnswer{200, Items(0, "\"c" + std::to_string(++n) + "\"")};
      },
      [](const auto&, const std::string&) { return 0; });
  ASSERT_TRUE(c.failure);
  EXPECT_EQ(c.failure->code(), "max_pages");
  EXPECT_NE(c.failure->message().find("cursors without end"), std::string::npos) << c.failure->message();
  EXPECT_EQ(c.ids.size(), 3u * kPageSize);
}

TEST(RestMaxPagesOptionTest, DefaultsTo10000AndMustBePositive) {
  Dataset ds =
      MakeDataset({{"id", LogicalType::Int64()}}, {{"path", std::string("/p")}, {"records", std::string("$")}});
  EXPECT_EQ(DatasetSettingsOf(ds)->max_pages, 10000);
  ds.options.Set("max_pages", int64_t{0});
  auto problems = CheckDataset(ds);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].key, "max_pages");
  EXPECT_NE(problems[0].message.find("positive number of pages"), std::string::npos) << problems[0].message;
}

}  // namespace
}  // namespace datasync::datasource::rest
