// Fuzz target: the Nasdaq Data Link response decoder (datasource/nasdaq/response_decoder.hpp), the code
// that reads untrusted vendor bodies.
//
// Input: a response body. It is decoded as a Tables API page (a schema with every logical type, a request
// in the middle of a restarted cursor chain, so rows are dropped) and as a time series, each with HTTP
// 200 and 400. Checks, besides the sanitizers: a decoded page's batch passes ColumnBatch::Validate and has
// the dataset's schema; each schema field is returned or listed missing (except the empty page that
// restarts a chain); a next page never carries more rows than the chain could have kept; a failure
// carries a message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/dates.hpp"
#include "datasource/nasdaq/cursor_chain.hpp"
#include "datasource/nasdaq/response_decoder.hpp"

namespace nasdaq = datasync::datasource::nasdaq;
using datasync::core::LogicalType;
using datasync::datasource::Dataset;
using datasync::datasource::PageVerdict;
using datasync::datasource::Params;

namespace {

[[noreturn]] void Fail(const std::string& api, const std::string& what) {
  std::fprintf(stderr, "nasdaq decoder fuzz (%s): %s\n", api.c_str(), what.c_str());
  std::abort();
}

struct Case {
  Dataset dataset;
  Params params;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case>* cases = [] {
    auto* out = new std::vector<Case>;
    Dataset table;
    table.name = "qsim_eq";
    table.api = "datatables/QSIM/EQ";
    table.schema = std::make_shared<const datasync::core::Schema>(std::vector<datasync::core::Field>{
        {"ticker", LogicalType::String()},
        {"date", LogicalType::Date()},
        {"close", LogicalType::Decimal(18, 6)},
        {"volume", LogicalType::Int64()},
        {"shares", LogicalType::Int32()},
        {"ratio", LogicalType::Float64()},
        {"updated_at", LogicalType::Timestamp()},
        {"active", LogicalType::Bool()},
    });
    out->push_back({table,
                    {{"ticker", "A,B"},
                     {"qopts.cursor_id", "c1"},
                     {"_ndl.rows", "3"},
                     {"_ndl.skip", "2"},
                     {"_ndl.restarts", "1"}}});
    Dataset series;
    series.name = "wiki";
    series.api = "datasets/WIKI";
    series.schema = std::make_shared<const datasync::core::Schema>(std::vector<datasync::core::Field>{
        {"date", LogicalType::Date()}, {"open", LogicalType::Float64()}, {"adj_close", LogicalType::Float64()}});
    out->push_back({series, {{"code", "AAPL"}, {"start_date", "2024-01-01"}, {"end_date", "2024-12-31"}}});
    return out;
  }();
  return *cases;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const Case& c : Cases()) {
    const Dataset& ds = c.dataset;
    for (long status : {200L, 400L}) {
      nasdaq::DecodeContext ctx;
      ctx.dataset = &ds;
      ctx.api = *nasdaq::ParseApi(ds.api);
      ctx.params = &c.params;
      ctx.errors.api = ds.api;
      ctx.errors.source_name = "ndl";
      ctx.errors.key_ref = "${NDL_API_KEY}";
      ctx.errors.now = datasync::core::FromEpochMicros(int64_t{1796551200} * 1'000'000);
      auto page = nasdaq::DecodeResponse(status, "", body, ctx);
      if (!page) {
        if (page.error().message().empty()) Fail(ds.api, "failed without a message");
        continue;
      }
      if (auto st = page->batch.Validate(); !st) Fail(ds.api, "decoded batch is invalid: " + st.error().ToString());
      if (!(page->batch.schema() == *ds.schema)) Fail(ds.api, "decoded batch does not have the dataset's schema");
      const bool restart = page->vendor_fields.empty() && page->batch.num_rows() == 0 &&
                           page->verdict.kind == PageVerdict::Kind::kNextPage;
      if (restart) {
        if (nasdaq::ReadChain(page->verdict.next).has_cursor) Fail(ds.api, "a restart that keeps its cursor");
        continue;
      }
      for (const auto& field : ds.schema->fields()) {
        bool returned = false, missing = false;
        for (const auto& v : page->vendor_fields) returned = returned || v == field.name;
        for (const auto& m : page->missing_fields) missing = missing || m == field.name;
        if (returned == missing) {
          Fail(ds.api, "field " + field.name + " is " +
                           (returned ? "both returned and missing" : "neither returned nor missing"));
        }
      }
      if (page->verdict.kind == PageVerdict::Kind::kNextPage) {
        nasdaq::ChainState before = nasdaq::ReadChain(c.params), after = nasdaq::ReadChain(page->verdict.next);
        if (after.rows != before.rows + static_cast<int64_t>(page->batch.num_rows())) {
          Fail(ds.api, "the next page counts other rows than the chain kept");
        }
      }
    }
  }
  return 0;
}
