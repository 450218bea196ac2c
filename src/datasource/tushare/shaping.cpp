#include "datasource/tushare/shaping.hpp"

namespace datasync::datasource::tushare {

namespace {

std::vector<std::shared_ptr<const Splitter>> Splitters() {
  return {std::make_shared<DateWindowSplitter>("start_date", "end_date", DateFormat::kAsGiven),
          std::make_shared<KeyListSplitter>(std::vector<std::string>{}, ',')};
}

}  // namespace

const RequestShaping& ShapingFor(const Dataset& dataset) {
  static const RequestShaping unpaged{nullptr, Splitters()};
  static const RequestShaping by_offset{std::make_shared<OffsetPager>("offset"), Splitters()};
  return dataset.paging == "offset" ? by_offset : unpaged;
}

}  // namespace datasync::datasource::tushare
