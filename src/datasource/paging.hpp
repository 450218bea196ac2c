// Paging strategies: how a provider asks for the page after a decoded one (ARCHITECTURE §3, "vendor-neutral
// engine"). A provider (or a declarative spec) picks one per API; RequestShaping consults it when a page
// says more rows exist. Three stock strategies cover the usual HTTP APIs:
//   OffsetPager      offset=<rows so far>   (Tushare: `offset`, the vendor's page size)
//   PageNumberPager  page=<n + 1>           (first page numbered 1 unless told otherwise)
//   CursorPager      cursor=<token>         (the token is read from the response by the provider)
// Each returns the params of the next request, keeping every other param and its position, or nullopt
// when it cannot ask for more (an empty page, no token, a token that does not move).
//
// Lifecycle: built once by the provider, immutable. Thread-safety: Next is const and pure; one pager is
// shared by every fetch worker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "datasource/provider.hpp"

namespace datasync::datasource {

// What a decoded page tells a pager.
struct PageInfo {
  int64_t rows = 0;    // rows in the page
  std::string cursor;  // the vendor's token for the next page (cursor APIs); empty = none
};

class Pager {
 public:
  virtual ~Pager() = default;
  // The params of the page after the one `params` asked for; nullopt when this strategy cannot continue.
  virtual std::optional<Params> Next(const Params& params, const PageInfo& page) const = 0;
};

// Skips the rows already received: `offset_param` becomes its current value (0 when absent) plus the
// page's rows; an absent param is appended. An empty page cannot advance.
class OffsetPager final : public Pager {
 public:
  explicit OffsetPager(std::string offset_param = "offset") : offset_param_(std::move(offset_param)) {}
  std::optional<Params> Next(const Params& params, const PageInfo& page) const override;

 private:
  std::string offset_param_;
};

// Counts pages: `page_param` becomes its current value (`first_page` when absent) plus one; an absent
// param is appended. An empty page ends the paging (a vendor that says "more" after an empty page would
// otherwise be asked forever).
class PageNumberPager final : public Pager {
 public:
  explicit PageNumberPager(std::string page_param = "page", int64_t first_page = 1)
      : page_param_(std::move(page_param)), first_page_(first_page) {}
  std::optional<Params> Next(const Params& params, const PageInfo& page) const override;

 private:
  std::string page_param_;
  int64_t first_page_;
};

// Follows the vendor's token: `cursor_param` becomes PageInfo::cursor. No token, or the token the request
// already sent, ends the paging.
class CursorPager final : public Pager {
 public:
  explicit CursorPager(std::string cursor_param = "cursor") : cursor_param_(std::move(cursor_param)) {}
  std::optional<Params> Next(const Params& params, const PageInfo& page) const override;

 private:
  std::string cursor_param_;
};

}  // namespace datasync::datasource
