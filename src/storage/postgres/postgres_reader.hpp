// PgDatasetReader: the DatasetReader of the postgres sink (storage/dataset_reader.hpp), so that a PostgreSQL
// storage can feed argument generators (a calendar's days, the codes of a listing), coverage, repair and the
// web app's data preview. It connects as the sink does (PostgresTarget: the same URL, password, TLS and
// timeouts), reads the tables the sink writes (table_name in the storage's schema) and their column types
// from the catalog (format_type), and leaves the reads themselves to sql::SqlDatasetReader.
// Thread-safety: one thread at a time, like every DatasetReader; connects on first use.
#pragma once

#include <memory>
#include <string>

#include "db/postgres/pg_connection.hpp"
#include "storage/sql/sql_dataset_reader.hpp"

namespace datasync::storage {

class PgDatasetReader final : public sql::SqlDatasetReader {
 public:
  // Reads the same options as PostgresSink.
  static core::Result<std::unique_ptr<DatasetReader>> Open(const ReaderContext& ctx);

 protected:
  std::string Quote(std::string_view identifier) const override;
  std::string Param(std::vector<std::string>& params, std::string text, const core::LogicalType&) const override {
    params.push_back(std::move(text));
    return "$" + std::to_string(params.size());
  }
  core::Result<std::string> Table(const std::string& dataset) override;
  core::Result<std::optional<std::map<std::string, core::LogicalType>>> Columns(const std::string& dataset) override;
  core::Result<std::vector<sql::TextRow>> Query(const std::string& sql,
                                                const std::vector<std::string>& params) override;

 private:
  PgDatasetReader() = default;
  core::Status Connect();

  std::vector<std::pair<std::string, std::string>> conninfo_;
  std::string server_;  // the server as the connection's messages name it
  db::postgres::PgTimeouts timeouts_;
  std::string schema_;
  db::postgres::PgConnection conn_;
};

}  // namespace datasync::storage
