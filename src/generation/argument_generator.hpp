// ArgumentGenerator: turns a plan's parameter sources (argument_spec.hpp) into request argument sets, one
// at a time.
//
// Each source that yields values is expanded once into a small table (a list, a date range, the open days
// of a calendar, the distinct codes of a dataset: at most thousands of rows). Their cartesian product (and
// `zip` groups) is never built: argument set i is computed from i by mixed-radix arithmetic, so five years
// of trading days x 5000 codes costs the two lists, not 6 million argument sets, and Seek() is O(1).
// `format` sources are rendered per argument set from the other values.
// Reading local data and the plan's checkpoint goes through GenerationContext's ports only.
// Lifecycle: Make -> Next()... until false (Seek to restart anywhere). Not thread-safe (one planner).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "generation/argument_spec.hpp"
#include "storage/dataset_reader.hpp"

namespace datasync::core {
class TimeZone;
}

namespace datasync::generation {

struct GenerationContext {
  const core::Clock* clock = nullptr;  // for today/now
  const core::TimeZone* tz = nullptr;  // the source's time zone; today is its local date (UTC when null)
  // Opens a reader of the storage that holds `dataset` (`storage` names it, or is empty for the storage
  // of the plan that syncs the dataset). Unset: sources that read local data fail with kConfig.
  std::function<core::Result<std::shared_ptr<storage::DatasetReader>>(const std::string& dataset,
                                                                      const std::string& storage)>
      open_reader;
  // The plan's checkpoint: the newest synced value of its dataset's date key (days since the epoch),
  // nullopt before anything is synced. Unset: since_checkpoint fails with kConfig.
  std::function<core::Result<std::optional<int32_t>>()> checkpoint;
};

class ArgumentGenerator {
 public:
  // Fails with kConfig naming the parameter when a source cannot be expanded. `spec.template_name` must
  // have been resolved into the sources already (ComposeSources).
  static core::Result<std::unique_ptr<ArgumentGenerator>> Make(const ArgumentSpec& spec, const GenerationContext& ctx);
  static core::Result<std::unique_ptr<ArgumentGenerator>> FromSources(const std::vector<ParamSource>& sources,
                                                                      const GenerationContext& ctx);
  // Exactly these argument sets, in this order (`datasync verify` re-fetches tasks done before, which the
  // plan's sources may no longer generate).
  static std::unique_ptr<ArgumentGenerator> FromList(std::vector<datasource::Params> sets);
  ~ArgumentGenerator();

  // Fills `out` with the next argument set (parameters in declaration order, variables left out); false
  // when exhausted.
  bool Next(datasource::Params& out);
  // Total number of argument sets (1 when there are no sources; 0 when a source has no values).
  uint64_t Count() const { return count_; }
  // The next Next() yields argument set `index` (0-based); at or past Count() it yields nothing.
  void Seek(uint64_t index) { position_ = index; }
  // From now on only the argument sets `keep` accepts (in their order), as if there were no others: Count,
  // Seek and Next count among them (`datasync repair` keeps those of missing data). Reads every set once.
  void Select(const std::function<bool(const datasource::Params&)>& keep);
  uint64_t position() const { return position_; }

 private:
  struct Node;
  struct Output;
  ArgumentGenerator();
  void Fill(const Node& node, uint64_t index);

  std::unique_ptr<Node> root_;
  std::vector<Output> outputs_;
  std::vector<std::string> column_names_;
  std::vector<const std::string*> record_;  // current value of each column
  uint64_t count_ = 0;
  uint64_t position_ = 0;
  bool selected_ = false;
  std::vector<uint64_t> selection_;  // with selected_: the indexes of the sets kept
  bool has_format_ = false;
  std::optional<std::vector<datasource::Params>> list_;  // FromList: the sets themselves
};

// The values of one single-parameter source, in order (not for windows, groups or formats).
core::Result<std::vector<std::string>> ExpandParam(const ParamSource& source, const GenerationContext& ctx);

// Resolves "YYYYMMDD", "YYYY-MM-DD", "today", "today-N", "today+N" to days since the epoch.
core::Result<int32_t> ResolveDate(const std::string& text, const GenerationContext& ctx);

}  // namespace datasync::generation
