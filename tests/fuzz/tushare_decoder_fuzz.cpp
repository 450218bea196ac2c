// Fuzz target: the Tushare response decoder (datasource/tushare/response_decoder.hpp), the code that reads
// untrusted vendor bodies.
//
// Input: a response body. It is decoded for three built-in datasets whose schemas together cover every
// logical type (daily, stock_basic, trade_cal), each with its own request shaping (paging, row caps) and
// request params. Checks, besides the sanitizers: a decoded page's batch passes ColumnBatch::Validate, has
// the dataset's schema, and every schema field is either returned or listed as missing; a failure carries
// a message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/dates.hpp"
#include "core/time_zone.hpp"
#include "datasource/tushare/catalog.hpp"
#include "datasource/tushare/response_decoder.hpp"
#include "datasource/tushare/shaping.hpp"

namespace tushare = datasync::datasource::tushare;
using datasync::datasource::Dataset;
using datasync::datasource::Params;

namespace {

[[noreturn]] void Fail(const std::string& api, const std::string& what) {
  std::fprintf(stderr, "tushare decoder fuzz (%s): %s\n", api.c_str(), what.c_str());
  std::abort();
}

struct Fixture {
  std::vector<Dataset> datasets;
  datasync::core::TimeZone tz = datasync::core::TimeZone::Utc();
  Params params;
};

const Fixture& TheFixture() {
  static const Fixture* f = [] {
    auto* fx = new Fixture;
    for (auto& d : tushare::BuiltinDatasets("tushare")) {
      if (d.api == "daily" || d.api == "stock_basic" || d.api == "trade_cal") fx->datasets.push_back(d);
    }
    if (fx->datasets.size() != 3) Fail("-", "the built-in catalog lacks daily, stock_basic or trade_cal");
    auto tz = datasync::core::TimeZone::Load("Asia/Shanghai");
    if (!tz) Fail("-", "no Asia/Shanghai in the tz database");
    fx->tz = *tz;
    fx->params = {{"ts_code", "000001.SZ"}, {"start_date", "20260101"}, {"end_date", "20261231"}};
    return fx;
  }();
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& fx = TheFixture();
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const Dataset& ds : fx.datasets) {
    tushare::DecodeContext ctx;
    ctx.dataset = &ds;
    ctx.tz = &fx.tz;
    ctx.errors.api = ds.api;
    ctx.errors.source_name = "tushare";
    ctx.errors.token_ref = "${TUSHARE_TOKEN}";
    ctx.errors.tz = &fx.tz;
    ctx.errors.now = datasync::core::FromEpochMicros(int64_t{1795263453} * 1'000'000);
    ctx.params = &fx.params;
    ctx.shaping = &tushare::ShapingFor(ds);
    auto page = tushare::DecodeResponse(body, ctx);
    if (!page) {
      if (page.error().message().empty()) Fail(ds.api, "failed without a message");
      continue;
    }
    if (auto st = page->batch.Validate(); !st) Fail(ds.api, "decoded batch is invalid: " + st.error().ToString());
    if (!(page->batch.schema() == *ds.schema)) Fail(ds.api, "decoded batch does not have the dataset's schema");
    for (const auto& field : ds.schema->fields()) {
      bool returned = false, missing = false;
      for (const auto& v : page->vendor_fields) returned = returned || v == field.name;
      for (const auto& m : page->missing_fields) missing = missing || m == field.name;
      if (returned == missing)
        Fail(ds.api, "field " + field.name + " is " +
                         (returned ? "both returned and missing" : "neither returned nor missing"));
    }
  }
  return 0;
}
