#include "storage/jsonl/jsonl_format.hpp"

#include <charconv>
#include <cmath>

#include "core/dates.hpp"
#include "core/double_text.hpp"
#include "core/strings.hpp"

namespace datasync::storage::jsonl {

using core::TypeId;

namespace {

template <class T>
void AppendNumber(std::string& out, T v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void AppendQuotedAscii(std::string& out, std::string_view s) {
  out.push_back('"');
  out.append(s);
  out.push_back('"');
}

void AppendValue(std::string& out, const core::Column& col, size_t r) {
  if (!col.IsValid(r)) {
    out.append("null");
    return;
  }
  switch (col.type().id) {
    case TypeId::kBool: out.append(col.GetBool(r) ? "true" : "false"); return;
    case TypeId::kInt32: AppendNumber(out, col.GetInt32(r)); return;
    case TypeId::kInt64: AppendNumber(out, col.GetInt64(r)); return;
    case TypeId::kFloat64: {
      double v = col.GetFloat64(r);
      if (!std::isfinite(v))
        out.append("null");
      else if (v == 0 && std::signbit(v))
        out.append("-0.0");
      else
        core::AppendShortestDouble(out, v);
      return;
    }
    case TypeId::kString: AppendJsonText(out, col.GetString(r)); return;
    case TypeId::kDate:
      out.push_back('"');
      core::AppendIsoDate(out, col.GetInt32(r));
      out.push_back('"');
      return;
    case TypeId::kTimestamp: AppendQuotedAscii(out, core::FormatTimestamp(col.GetInt64(r))); return;
    case TypeId::kDecimal: AppendQuotedAscii(out, col.DecimalText(r)); return;
  }
}

class JsonlWriter final : public files::RowFormatWriter {
 public:
  explicit JsonlWriter(const core::Schema& schema) : encoder_(schema) {}

  core::Status Begin(std::string&) override { return core::Ok(); }
  core::Status End(std::string&) override { return core::Ok(); }

  core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string& out) override {
    for (uint32_t r : rows) {
      encoder_.AppendRow(batch, r, out);
      out.push_back('\n');
    }
    return core::Ok();
  }

 private:
  JsonObjectEncoder encoder_;
};

}  // namespace

void AppendJsonText(std::string& out, std::string_view s) {
  if (core::IsValidUtf8(s)) {
    core::AppendJsonString(out, s);
  } else {
    core::AppendJsonString(out, core::RepairUtf8(s));
  }
}

JsonObjectEncoder::JsonObjectEncoder(const core::Schema& schema) {
  // Keys never change, so render `"name":` once per field.
  for (size_t c = 0; c < schema.size(); ++c) {
    std::string key = c == 0 ? "{" : ",";  // a dataset always has at least one field
    AppendJsonText(key, schema.field(c).name);
    key.push_back(':');
    keys_.push_back(std::move(key));
  }
}

void JsonObjectEncoder::AppendRow(const core::ColumnBatch& batch, uint32_t row, std::string& out) const {
  for (size_t c = 0; c < keys_.size(); ++c) {
    out.append(keys_[c]);
    AppendValue(out, batch.column(c), row);
  }
  out.push_back('}');
}

std::vector<std::pair<std::string, std::string>> JsonObjectEncoder::ReaderSettings() {
  return {
      {"encoding", "utf-8"},         {"decimal", "string"},
      {"date", "string YYYY-MM-DD"}, {"timestamp", "string YYYY-MM-DD HH:MM:SS[.ffffff], UTC"},
      {"non_finite_float", "null"},
  };
}

std::vector<std::pair<std::string, std::string>> JsonlFormat::ReaderSettings() const {
  return JsonObjectEncoder::ReaderSettings();
}

std::unique_ptr<files::RowFormatWriter> JsonlFormat::NewWriter(const core::Schema& schema) const {
  return std::make_unique<JsonlWriter>(schema);
}

}  // namespace datasync::storage::jsonl
