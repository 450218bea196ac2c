// MySqlDatasetReader: the DatasetReader of the mysql sink (MariaDB >= 10.6, MySQL 8), so that a MySQL storage
// can feed argument generators, coverage, repair and the web app's preview. It connects as the sink does
// (MySqlTarget; never with LOCAL INFILE), reads the tables the sink writes (table_name in the URL's database)
// with their types from information_schema, and leaves the reads to sql::SqlDatasetReader. The client has no
// query parameters: values go in as literals quoted for the session's pinned sql_mode (QuoteMySqlText, as
// the sink's own statements), booleans as 1 and 0.
// Thread-safety: one thread at a time, like every DatasetReader; connects on first use.
#pragma once

#include <memory>
#include <string>

#include "db/mysql/mysql_connection.hpp"
#include "storage/sql/sql_dataset_reader.hpp"

namespace datasync::storage {

class MySqlDatasetReader final : public sql::SqlDatasetReader {
 public:
  // Reads the same options as MySqlSink.
  static core::Result<std::unique_ptr<DatasetReader>> Open(const ReaderContext& ctx);

 protected:
  std::string Quote(std::string_view identifier) const override;
  std::string Param(std::vector<std::string>& params, std::string text, const core::LogicalType& type) const override;
  std::string ParamText(const std::string& value, const core::LogicalType& type) const override;
  core::Result<std::string> Table(const std::string& dataset) override;
  core::Result<std::optional<std::map<std::string, core::LogicalType>>> Columns(const std::string& dataset) override;
  core::Result<std::vector<sql::TextRow>> Query(const std::string& sql,
                                                const std::vector<std::string>& params) override;

 private:
  MySqlDatasetReader() = default;
  core::Status Connect();

  db::mysql::MySqlConnectOptions connect_;
  db::mysql::MySqlConnection conn_;
};

}  // namespace datasync::storage
