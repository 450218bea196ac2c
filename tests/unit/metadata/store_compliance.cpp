#include "store_compliance.hpp"

#include <optional>

#include "metadata/sqlite/sqlite_backend.hpp"

namespace datasync::metadata::testing {

namespace {

class SqliteTarget final : public StoreTarget {
 public:
  void SetUp(const TempDir& dir) override { path_ = dir.File("datasync.db"); }
  std::string Location() const override { return path_; }
  std::string Query(const std::string& sql) override { return RawDb(path_).Query(sql); }
  std::string WriteStamp() override {
    // data_version is per connection: only the same connection sees it change.
    if (!stamp_) stamp_.emplace(path_);
    return stamp_->Query("PRAGMA data_version");
  }

 private:
  std::string path_;
  std::optional<RawDb> stamp_;
};

}  // namespace

std::vector<std::string> StoreBackends() {
  return {"sqlite"};
}

SystemDbFactory CompliantBackends() {
  SystemDbFactory factory;
  sqlite::RegisterSqliteSystemDb(factory);
  return factory;
}

std::unique_ptr<StoreTarget> MakeStoreTarget(const std::string& scheme) {
  if (scheme == "sqlite") return std::make_unique<SqliteTarget>();
  return nullptr;
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace datasync::metadata::testing
