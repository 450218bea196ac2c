// Splitting strategies: how a provider narrows a request whose answer was truncated (ARCHITECTURE §5,
// TRUNCATED), so that no cut-off answer is ever kept. A provider (or a declarative spec) picks an ordered
// list of them; RequestShaping tries each in turn and the first that can narrow the request wins.
//   DateWindowSplitter  halves a start/end date window (param names and date format configurable)
//   KeyListSplitter     halves a separated list of keys (ts_code=a,b,c -> a / b,c)
// Each returns two or more params lists that together ask for what the request asked for, every other
// param kept in place, or nullopt when it cannot narrow this request (one day, one key).
//
// Lifecycle: built once by the provider, immutable. Thread-safety: Split is const and pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datasource/provider.hpp"

namespace datasync::datasource {

class Splitter {
 public:
  virtual ~Splitter() = default;
  virtual std::optional<std::vector<Params>> Split(const Params& params) const = 0;
};

// How DateWindowSplitter writes the dates of the halves.
enum class DateFormat : uint8_t {
  kAsGiven,  // like the request's own value: YYYY-MM-DD when it has a '-', else YYYYMMDD
  kCompact,  // YYYYMMDD, every bound of both halves
  kIso,      // YYYY-MM-DD, every bound of both halves
};

// [start, end] (inclusive days) becomes [start, mid] and [mid + 1, end]. Needs both params, readable
// dates and at least two days.
class DateWindowSplitter final : public Splitter {
 public:
  DateWindowSplitter(std::string start_param, std::string end_param, DateFormat format = DateFormat::kAsGiven)
      : start_param_(std::move(start_param)), end_param_(std::move(end_param)), format_(format) {}
  std::optional<std::vector<Params>> Split(const Params& params) const override;

 private:
  std::string start_param_;
  std::string end_param_;
  DateFormat format_;
};

// The first of `params` (in the request's order) whose value lists two or more keys separated by
// `separator` is halved; the left half gets the smaller part of an odd list. No params named: any param.
class KeyListSplitter final : public Splitter {
 public:
  explicit KeyListSplitter(std::vector<std::string> params = {}, char separator = ',')
      : params_(std::move(params)), separator_(separator) {}
  std::optional<std::vector<Params>> Split(const Params& params) const override;

 private:
  std::vector<std::string> params_;
  char separator_;
};

}  // namespace datasync::datasource
