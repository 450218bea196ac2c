// SchemaDiff: which changes are additive, which are held, which block writes, and the rename guess.
#include "storage/schema_diff.hpp"

#include <gtest/gtest.h>

#include "storage/schema_migrator.hpp"

namespace datasync::storage {
namespace {

using core::LogicalType;

WantedColumn Want(std::string name, LogicalType type, int64_t max_length = 0) {
  return {core::Field{std::move(name), type}, max_length};
}

StoredColumn Have(std::string name, std::optional<LogicalType> type, int64_t max_length = 0) {
  return {std::move(name), type, type ? type->ToString() : "smallint", max_length};
}

std::vector<ChangeKind> Kinds(const SchemaDiff& d) {
  std::vector<ChangeKind> out;
  for (const auto& c : d.changes) out.push_back(c.kind);
  return out;
}

TEST(SchemaDiffTest, AMissingTableIsCreated) {
  SchemaDiff d = DiffSchema({Want("a", LogicalType::Int64())}, {"a"}, std::nullopt);
  ASSERT_EQ(Kinds(d), std::vector<ChangeKind>{ChangeKind::kCreateTable});
  EXPECT_TRUE(d.changes[0].additive());
  EXPECT_FALSE(d.has_held());
}

TEST(SchemaDiffTest, SameColumnsMeanNoChanges) {
  TableShape shape{{Have("a", LogicalType::Int64()), Have("b", LogicalType::String())}, {"a"}};
  SchemaDiff d = DiffSchema({Want("a", LogicalType::Int64()), Want("b", LogicalType::String())}, {"a"}, shape);
  EXPECT_TRUE(d.empty());
}

TEST(SchemaDiffTest, TheSimulatorsSchemaChangeIsAdditive) {
  // daily gains a column and an integer column becomes a float.
  TableShape shape{{Have("code", LogicalType::String()), Have("vol", LogicalType::Int64())}, {"code"}};
  SchemaDiff d = DiffSchema(
      {Want("code", LogicalType::String()), Want("vol", LogicalType::Float64()), Want("vwap", LogicalType::Float64())},
      {"code"}, shape);
  ASSERT_EQ(Kinds(d), (std::vector<ChangeKind>{ChangeKind::kAddColumn, ChangeKind::kWidenColumn}));
  EXPECT_EQ(d.changes[0].column, "vwap");
  EXPECT_EQ(d.changes[1].column, "vol");
  EXPECT_EQ(d.changes[1].stored.type, LogicalType::Int64());
  EXPECT_EQ(d.changes[1].field.type, LogicalType::Float64());
  EXPECT_FALSE(d.has_held());
  EXPECT_EQ(d.changes[1].Describe(), "widen \"vol\" from int64 (int64) to float64");
}

TEST(SchemaDiffTest, WideningRules) {
  EXPECT_TRUE(IsWidening(LogicalType::Int32(), LogicalType::Int64()));
  EXPECT_TRUE(IsWidening(LogicalType::Int32(), LogicalType::Float64()));
  EXPECT_TRUE(IsWidening(LogicalType::Int64(), LogicalType::Float64()));
  EXPECT_TRUE(IsWidening(LogicalType::Int32(), LogicalType::Decimal(12, 2)));
  EXPECT_FALSE(IsWidening(LogicalType::Int32(), LogicalType::Decimal(11, 2)));
  EXPECT_TRUE(IsWidening(LogicalType::Decimal(10, 2), LogicalType::Decimal(12, 3)));
  EXPECT_FALSE(IsWidening(LogicalType::Decimal(10, 2), LogicalType::Decimal(12, 1)));
  EXPECT_FALSE(IsWidening(LogicalType::Decimal(10, 2), LogicalType::Decimal(10, 3)));
  EXPECT_FALSE(IsWidening(LogicalType::Float64(), LogicalType::Int64()));
  EXPECT_FALSE(IsWidening(LogicalType::Int64(), LogicalType::Int32()));
  EXPECT_FALSE(IsWidening(LogicalType::Int64(), LogicalType::Int64()));
  EXPECT_FALSE(IsWidening(LogicalType::Date(), LogicalType::Timestamp()));
  EXPECT_FALSE(IsWidening(LogicalType::Int64(), LogicalType::String()));
}

TEST(SchemaDiffTest, LongerVarcharIsAdditiveAndShorterIsNoChange) {
  TableShape shape{{Have("k", LogicalType::String(), 20), Have("t", LogicalType::String(), 0)}, {"k"}};
  SchemaDiff longer =
      DiffSchema({Want("k", LogicalType::String(), 64), Want("t", LogicalType::String(), 10)}, {"k"}, shape);
  ASSERT_EQ(Kinds(longer), std::vector<ChangeKind>{ChangeKind::kWidenColumn});
  EXPECT_EQ(longer.changes[0].column, "k");
  SchemaDiff unlimited =
      DiffSchema({Want("k", LogicalType::String(), 0), Want("t", LogicalType::String())}, {"k"}, shape);
  EXPECT_EQ(Kinds(unlimited), std::vector<ChangeKind>{ChangeKind::kWidenColumn});
  SchemaDiff shorter =
      DiffSchema({Want("k", LogicalType::String(), 10), Want("t", LogicalType::String())}, {"k"}, shape);
  EXPECT_TRUE(shorter.empty());
}

TEST(SchemaDiffTest, DestructiveChangesAreHeld) {
  TableShape shape{{Have("k", LogicalType::String()), Have("f", LogicalType::Float64()), Have("d", LogicalType::Date()),
                    Have("gone", LogicalType::String())},
                   {"k"}};
  SchemaDiff d =
      DiffSchema({Want("k", LogicalType::String()), Want("f", LogicalType::Int64()), Want("d", LogicalType::Int32())},
                 {"k"}, shape);
  ASSERT_EQ(Kinds(d),
            (std::vector<ChangeKind>{ChangeKind::kNarrowColumn, ChangeKind::kChangeType, ChangeKind::kDropColumn}));
  EXPECT_TRUE(d.has_held());
  // A narrower dataset type still fits the stored one; a date column cannot take integers.
  EXPECT_FALSE(d.changes[0].blocks_writes);
  EXPECT_TRUE(d.changes[1].blocks_writes);
  EXPECT_FALSE(d.changes[2].blocks_writes);
  EXPECT_TRUE(d.blocks_writes());
}

TEST(SchemaDiffTest, AStoredStringHoldsAnyType) {
  TableShape shape{{Have("k", LogicalType::String()), Have("v", LogicalType::String())}, {"k"}};
  SchemaDiff d = DiffSchema({Want("k", LogicalType::String()), Want("v", LogicalType::Float64())}, {"k"}, shape);
  ASSERT_EQ(Kinds(d), std::vector<ChangeKind>{ChangeKind::kChangeType});
  EXPECT_FALSE(d.changes[0].blocks_writes);
}

TEST(SchemaDiffTest, AnUnknownNativeTypeBlocks) {
  TableShape shape{{Have("k", LogicalType::String()), Have("v", std::nullopt)}, {"k"}};
  SchemaDiff d = DiffSchema({Want("k", LogicalType::String()), Want("v", LogicalType::Int32())}, {"k"}, shape);
  ASSERT_EQ(Kinds(d), std::vector<ChangeKind>{ChangeKind::kChangeType});
  EXPECT_TRUE(d.changes[0].blocks_writes);
}

TEST(SchemaDiffTest, ARenameIsGuessedOnlyAtTheSamePositionWithTheSameType) {
  TableShape shape{
      {Have("k", LogicalType::String()), Have("close_px", LogicalType::Float64()), Have("vol", LogicalType::Int64())},
      {"k"}};
  SchemaDiff d = DiffSchema(
      {Want("k", LogicalType::String()), Want("close", LogicalType::Float64()), Want("vol", LogicalType::Int64())},
      {"k"}, shape);
  ASSERT_EQ(Kinds(d), std::vector<ChangeKind>{ChangeKind::kRenameColumn});
  EXPECT_EQ(d.changes[0].column, "close_px");
  EXPECT_EQ(d.changes[0].new_name, "close");
  EXPECT_TRUE(d.changes[0].blocks_writes);

  // Another type at that position: an add and a held drop, nothing guessed.
  SchemaDiff other = DiffSchema(
      {Want("k", LogicalType::String()), Want("close", LogicalType::String()), Want("vol", LogicalType::Int64())},
      {"k"}, shape);
  EXPECT_EQ(Kinds(other), (std::vector<ChangeKind>{ChangeKind::kAddColumn, ChangeKind::kDropColumn}));
  EXPECT_FALSE(other.blocks_writes());

  DiffOptions no_guess;
  no_guess.detect_renames = false;
  SchemaDiff plain = DiffSchema(
      {Want("k", LogicalType::String()), Want("close", LogicalType::Float64()), Want("vol", LogicalType::Int64())},
      {"k"}, shape, no_guess);
  EXPECT_EQ(Kinds(plain), (std::vector<ChangeKind>{ChangeKind::kAddColumn, ChangeKind::kDropColumn}));
}

TEST(SchemaDiffTest, BookkeepingColumnsAndLetterCase) {
  TableShape shape{{Have("Code", LogicalType::String()), Have("_ds_unit", LogicalType::String())}, {"Code"}};
  DiffOptions options;
  options.ignored_columns = {"_ds_unit"};
  options.case_insensitive_names = true;
  EXPECT_TRUE(DiffSchema({Want("code", LogicalType::String())}, {"code"}, shape, options).empty());
  options.case_insensitive_names = false;
  SchemaDiff d = DiffSchema({Want("code", LogicalType::String())}, {"code"}, shape, options);
  EXPECT_FALSE(d.key_error.empty());
}

TEST(SchemaDiffTest, AChangedPrimaryKeyIsReportedNotMigrated) {
  TableShape shape{{Have("a", LogicalType::Int64()), Have("b", LogicalType::Int64())}, {"a"}};
  SchemaDiff d = DiffSchema({Want("a", LogicalType::Int64()), Want("b", LogicalType::Int64())}, {"a", "b"}, shape);
  EXPECT_NE(d.key_error.find("(a)"), std::string::npos) << d.key_error;
  EXPECT_NE(d.key_error.find("(a, b)"), std::string::npos) << d.key_error;
  DiffOptions ignore_key;
  ignore_key.compare_primary_key = false;
  EXPECT_TRUE(
      DiffSchema({Want("a", LogicalType::Int64()), Want("b", LogicalType::Int64())}, {"a", "b"}, shape, ignore_key)
          .empty());
}

TEST(MigrationPlanTest, ScriptListsHeldStepsOnlyWhenAsked) {
  MigrationPlan plan;
  MigrationStep add;
  add.change.kind = ChangeKind::kAddColumn;
  add.change.column = "vwap";
  add.change.field = {"vwap", LogicalType::Float64()};
  add.statements = {"ALTER TABLE t ADD COLUMN vwap double precision"};
  MigrationStep drop;
  drop.change.kind = ChangeKind::kDropColumn;
  drop.change.column = "new\nline";
  drop.statements = {"ALTER TABLE t DROP COLUMN \"new\nline\""};
  plan.steps = {add, drop};
  EXPECT_TRUE(plan.has_held());
  EXPECT_EQ(plan.Script(false), "-- add column \"vwap\" float64\nALTER TABLE t ADD COLUMN vwap double precision;\n");
  std::string all = plan.Script(true);
  EXPECT_NE(all.find("-- held: drop column \"new line\""), std::string::npos) << all;
  EXPECT_NE(all.find("DROP COLUMN \"new\nline\";"), std::string::npos) << all;
}

}  // namespace
}  // namespace datasync::storage
