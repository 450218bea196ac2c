// Writing inferred fields into datasync.yaml (app/dataset_sample.hpp InsertDatasetKeys): the keys land as
// the first keys of the dataset's mapping at its indentation, everything else (comments, other datasets,
// layout) stays byte for byte, and the result parses with the fields where they belong.
#include "app/dataset_sample.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace datasync::app {
namespace {

constexpr const char* kFile = R"yaml(version: 1
# the shop's API
datasets:
  orders:   # placed orders
    source: shop
    path: /v2/orders
  items:
      source: shop       # deeper indentation
      path: /v2/items
)yaml";

constexpr const char* kBlock =
    "# fields inferred by `datasync dataset sample` from 2 records: check the types\n"
    "fields:\n  - {name: id, type: int64}\n  - {name: total, type: \"decimal(12,2)\"}\nprimary_key: [id]\n";

TEST(InsertDatasetKeys, KeysGoFirstInTheDatasetAtItsIndentationAndTheRestStaysByteForByte) {
  auto out = InsertDatasetKeys(kFile, "items", kBlock);
  ASSERT_TRUE(out) << out.error().ToString();
  const std::string expected = R"yaml(version: 1
# the shop's API
datasets:
  orders:   # placed orders
    source: shop
    path: /v2/orders
  items:
      # fields inferred by `datasync dataset sample` from 2 records: check the types
      fields:
        - {name: id, type: int64}
        - {name: total, type: "decimal(12,2)"}
      primary_key: [id]
      source: shop       # deeper indentation
      path: /v2/items
)yaml";
  EXPECT_EQ(*out, expected);
  YAML::Node root = YAML::Load(*out);
  EXPECT_EQ(root["datasets"]["items"]["fields"][1]["type"].as<std::string>(), "decimal(12,2)");
  EXPECT_EQ(root["datasets"]["items"]["source"].as<std::string>(), "shop");
  EXPECT_FALSE(root["datasets"]["orders"]["fields"]);

  auto first = InsertDatasetKeys(kFile, "orders", kBlock);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(YAML::Load(*first)["datasets"]["orders"]["primary_key"][0].as<std::string>(), "id");
  EXPECT_NE(first->find("  orders:   # placed orders\n    # fields inferred"), std::string::npos) << *first;
}

TEST(InsertDatasetKeys, AFlowMappingOrAnUnknownDatasetIsRefusedWithWhatToDo) {
  auto flow = InsertDatasetKeys("datasets:\n  orders: {source: shop, path: /o}\n", "orders", kBlock);
  ASSERT_FALSE(flow);
  EXPECT_NE(flow.error().message().find("flow mapping"), std::string::npos) << flow.error().message();
  auto unknown = InsertDatasetKeys(kFile, "nope", kBlock);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("datasets.nope"), std::string::npos);
  auto broken = InsertDatasetKeys("datasets: [", "orders", kBlock);
  ASSERT_FALSE(broken);
}

}  // namespace
}  // namespace datasync::app
