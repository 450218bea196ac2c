// SchemaDiff: what separates a table as a store has it from the dataset's schema (ARCHITECTURE §7), as a
// list of changes, each either additive (applied automatically when a run binds the storage) or
// destructive (held until someone runs `datasync migrate`).
//
// Additive: a new column; a widened type (int32 -> int64 -> float64, a decimal with more digits on both
// sides of the point, a longer VARCHAR). Destructive: a column the dataset no longer has (drop), a type
// the dataset narrowed (the stored, wider column keeps accepting the rows), an incompatible type, and a
// rename, which the diff can only guess: a dropped and an added column with the same type at the same
// position. A held change "blocks writes" when the table cannot take the dataset's rows before it is
// applied (a rename, an incompatible type the stored column cannot hold).
//
// Pure functions over plain data: sinks introspect their store into a TableShape and render the changes
// in their dialect (storage/sql/). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/logical_type.hpp"
#include "core/schema.hpp"

namespace datasync::storage {

// A column as the store has it.
struct StoredColumn {
  std::string name;
  std::optional<core::LogicalType> type;  // nullopt: a native type datasync has no logical type for
  std::string native_type;                // as the store spells it, for messages ("bigint", "Nullable(Int64)")
  int64_t max_length = 0;                 // strings: declared character limit (VARCHAR(n)); 0 = unlimited
};

// What introspection found: the columns in table order and the primary key (empty: none or unknown).
struct TableShape {
  std::vector<StoredColumn> columns;
  std::vector<std::string> primary_key;
};

// A column as the dataset wants it; max_length is the dialect's choice (VARCHAR(n) for key columns).
struct WantedColumn {
  core::Field field;
  int64_t max_length = 0;
};

enum class ChangeKind : uint8_t {
  kCreateTable,   // additive: the table does not exist yet
  kAddColumn,     // additive
  kWidenColumn,   // additive
  kDropColumn,    // destructive
  kNarrowColumn,  // destructive, does not block writes
  kChangeType,    // destructive
  kRenameColumn,  // destructive, blocks writes
};
std::string_view ChangeKindName(ChangeKind k);  // "create_table", "add_column", ...

struct SchemaChange {
  ChangeKind kind = ChangeKind::kAddColumn;
  std::string column;      // the stored name; kAddColumn: the new column; kCreateTable: empty
  std::string new_name;    // kRenameColumn: the dataset's name
  core::Field field;       // the dataset's field (all kinds but kDropColumn and kCreateTable)
  int64_t max_length = 0;  // the wanted length of field
  StoredColumn stored;     // the store's column (all kinds but kAddColumn and kCreateTable)
  bool blocks_writes = false;

  bool additive() const {
    return kind == ChangeKind::kCreateTable || kind == ChangeKind::kAddColumn || kind == ChangeKind::kWidenColumn;
  }
  // One line for people: `add column "turnover" float64`, `widen "vol" from int64 to float64`.
  std::string Describe() const;
};

struct SchemaDiff {
  // Additive first (create, or adds, then type changes in the dataset's order), then renames and drops.
  std::vector<SchemaChange> changes;
  // Non-empty when the stored primary key differs from the dataset's: that needs a table rebuild, which
  // datasync never does on its own (the sink reports it as a configuration error).
  std::string key_error;

  bool empty() const { return changes.empty() && key_error.empty(); }
  bool has_held() const;
  bool blocks_writes() const;
};

struct DiffOptions {
  bool case_insensitive_names = false;       // MySQL column names
  std::vector<std::string> ignored_columns;  // the sink's own bookkeeping columns (_ds_unit, _ds_version)
  bool detect_renames = true;
  bool compare_primary_key = true;  // false where the store's key is not the dataset's (ClickHouse ORDER BY)
};

// `stored` is nullopt when the table does not exist.
SchemaDiff DiffSchema(const std::vector<WantedColumn>& wanted, const std::vector<std::string>& primary_key,
                      const std::optional<TableShape>& stored, const DiffOptions& options = {});

// True when every value of `from` converts to `to` without loss of range (int32 -> int64 -> float64,
// decimal(p,s) -> decimal(p',s') with s' >= s and p'-s' >= p-s, int32 -> decimal with 10+ integer digits,
// int64 -> decimal with 19+ integer digits, never).
bool IsWidening(const core::LogicalType& from, const core::LogicalType& to);

}  // namespace datasync::storage
