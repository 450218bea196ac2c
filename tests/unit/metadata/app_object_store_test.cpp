// The objects made in the web app (every backend, store_compliance.hpp): kept by kind and name, replaced
// in place with their creator kept, listed by kind then name, removed once.
#include <gtest/gtest.h>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

class AppObjectStoreTest : public testing::StoreComplianceTest {};

AppObject Object(ObjectKind kind, std::string name, std::string body, std::string by) {
  return AppObject{.kind = kind, .name = std::move(name), .body_json = std::move(body), .updated_by = std::move(by)};
}

TEST_P(AppObjectStoreTest, ObjectsAreKeptByKindAndNameAndReplacedInPlace) {
  auto db = Open();
  ASSERT_TRUE(db);
  auto& s = db->app_objects();
  ASSERT_TRUE(s.Put(Object(ObjectKind::kPlan, "daily", R"({"dataset":"d"})", "alice")));
  ASSERT_TRUE(s.Put(Object(ObjectKind::kStorage, "daily", R"({"kind":"csv"})", "alice")));
  ASSERT_TRUE(s.Put(Object(ObjectKind::kSource, "zz", R"({"provider":"tushare"})", "alice")));
  ASSERT_TRUE(s.Put(Object(ObjectKind::kPlan, "daily", R"({"dataset":"e"})", "bob")));

  auto got = s.Get(ObjectKind::kPlan, "daily");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->body_json, R"({"dataset":"e"})");
  EXPECT_EQ((*got)->created_by, "alice");
  EXPECT_EQ((*got)->updated_by, "bob");
  EXPECT_GT((*got)->created_at_us, 0);
  EXPECT_FALSE(*s.Get(ObjectKind::kTemplate, "daily"));

  auto all = s.List();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].kind, ObjectKind::kSource);
  EXPECT_EQ((*all)[1].kind, ObjectKind::kStorage);
  EXPECT_EQ((*all)[2].kind, ObjectKind::kPlan);

  EXPECT_TRUE(*s.Remove(ObjectKind::kStorage, "daily"));
  EXPECT_FALSE(*s.Remove(ObjectKind::kStorage, "daily"));
  EXPECT_TRUE(*s.Get(ObjectKind::kPlan, "daily"));
  EXPECT_EQ(s.List()->size(), 2u);
}

INSTANTIATE_STORE_SUITE(AppObjectStoreTest);

}  // namespace
}  // namespace datasync::metadata
