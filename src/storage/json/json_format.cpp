#include "storage/json/json_format.hpp"

#include "storage/jsonl/jsonl_format.hpp"

namespace datasync::storage::json {

namespace {

class JsonArrayWriter final : public files::RowFormatWriter {
 public:
  explicit JsonArrayWriter(const core::Schema& schema) : encoder_(schema) {}

  core::Status Begin(std::string& out) override {
    out.push_back('[');
    return core::Ok();
  }

  core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string& out) override {
    for (uint32_t r : rows) {
      out.append(first_ ? "\n" : ",\n");
      first_ = false;
      encoder_.AppendRow(batch, r, out);
    }
    return core::Ok();
  }

  core::Status End(std::string& out) override {
    out.append(first_ ? "]\n" : "\n]\n");
    return core::Ok();
  }

 private:
  jsonl::JsonObjectEncoder encoder_;
  bool first_ = true;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> JsonFormat::ReaderSettings() const {
  return jsonl::JsonObjectEncoder::ReaderSettings();
}

std::unique_ptr<files::RowFormatWriter> JsonFormat::NewWriter(const core::Schema& schema) const {
  return std::make_unique<JsonArrayWriter>(schema);
}

}  // namespace datasync::storage::json
