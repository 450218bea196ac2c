// RequestShaping: the paging and splitting strategies one provider picks (paging.hpp, splitting.hpp), and
// the one rule that turns what a response says into the Page's verdict (provider.hpp). Providers call
// Judge from Decode and Split from Provider::Split, so the engine never sees a vendor's parameter names.
//
// Lifecycle: assembled when the provider is created (a declarative spec will assemble it from config),
// then immutable. Thread-safety: Judge and Split are const and pure; the strategies are shared.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datasource/paging.hpp"
#include "datasource/provider.hpp"
#include "datasource/splitting.hpp"

namespace datasync::datasource {

// What a decoded response says about the rest of its answer, in the provider's own terms.
struct ResponseSignals {
  int64_t rows = 0;       // rows in this response
  bool has_more = false;  // the vendor says more rows exist (a has_more flag, a next-page token)
  int64_t row_cap = 0;    // the API's rows per call: a response this long is probably cut; 0 = unknown
  std::string cursor;     // the vendor's token for the next page (cursor paging); empty = none
};

struct RequestShaping {
  std::shared_ptr<const Pager> pager;                      // null: the API does not page
  std::vector<std::shared_ptr<const Splitter>> splitters;  // tried in order

  // Complete unless the vendor says more or the row cap is reached; then the pager's next page when it
  // has one, else truncated (the engine splits the request).
  PageVerdict Judge(const Params& request, const ResponseSignals& signals) const;

  // The first splitter's halves that can narrow `request`; nullopt when none can.
  std::optional<std::vector<Params>> Split(const Params& request) const;
};

}  // namespace datasync::datasource
