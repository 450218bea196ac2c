#include "storage/schema_diff.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::storage {

using core::LogicalType;
using core::TypeId;

std::string_view ChangeKindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::kCreateTable: return "create_table";
    case ChangeKind::kAddColumn: return "add_column";
    case ChangeKind::kWidenColumn: return "widen_column";
    case ChangeKind::kDropColumn: return "drop_column";
    case ChangeKind::kNarrowColumn: return "narrow_column";
    case ChangeKind::kChangeType: return "change_type";
    case ChangeKind::kRenameColumn: return "rename_column";
  }
  return "?";
}

namespace {

std::string Quoted(const std::string& name) {
  return "\"" + name + "\"";
}

std::string TypeText(const LogicalType& type, int64_t max_length) {
  std::string s = type.ToString();
  if (type.id == TypeId::kString && max_length > 0) s += "(" + std::to_string(max_length) + ")";
  return s;
}

std::string StoredText(const StoredColumn& c) {
  if (c.type) return TypeText(*c.type, c.max_length) + " (" + c.native_type + ")";
  return c.native_type;
}

}  // namespace

std::string SchemaChange::Describe() const {
  switch (kind) {
    case ChangeKind::kCreateTable: return "create the table";
    case ChangeKind::kAddColumn: return "add column " + Quoted(column) + " " + TypeText(field.type, max_length);
    case ChangeKind::kWidenColumn:
      return "widen " + Quoted(column) + " from " + StoredText(stored) + " to " + TypeText(field.type, max_length);
    case ChangeKind::kDropColumn:
      return "drop column " + Quoted(column) + " (no longer in the dataset; kept, NULL in new rows, until applied)";
    case ChangeKind::kNarrowColumn:
      return "narrow " + Quoted(column) + " from " + StoredText(stored) + " to " + TypeText(field.type, max_length) +
             " (the stored type keeps holding the new values)";
    case ChangeKind::kChangeType:
      return "change " + Quoted(column) + " from " + StoredText(stored) + " to " + TypeText(field.type, max_length) +
             (blocks_writes ? " (the stored type cannot hold the new values)" : "");
    case ChangeKind::kRenameColumn:
      return "rename " + Quoted(column) + " to " + Quoted(new_name) + " (" + TypeText(field.type, max_length) +
             "; guessed from the position: a column left and one of the same type arrived)";
  }
  return "?";
}

bool SchemaDiff::has_held() const {
  return std::any_of(changes.begin(), changes.end(), [](const SchemaChange& c) { return !c.additive(); });
}

bool SchemaDiff::blocks_writes() const {
  return std::any_of(changes.begin(), changes.end(), [](const SchemaChange& c) { return c.blocks_writes; });
}

bool IsWidening(const LogicalType& from, const LogicalType& to) {
  if (from == to) return false;
  switch (from.id) {
    case TypeId::kInt32:
      if (to.id == TypeId::kInt64 || to.id == TypeId::kFloat64) return true;
      return to.id == TypeId::kDecimal && to.precision - to.scale >= 10;
    case TypeId::kInt64: return to.id == TypeId::kFloat64;
    case TypeId::kDecimal:
      return to.id == TypeId::kDecimal && to.scale >= from.scale &&
             to.precision - to.scale >= from.precision - from.scale;
    default: return false;
  }
}

namespace {

// How a stored column relates to the wanted one.
enum class Fit { kSame, kWiden, kNarrow, kIncompatible };

Fit Compare(const StoredColumn& stored, const WantedColumn& wanted) {
  if (!stored.type) return Fit::kIncompatible;
  const LogicalType& have = *stored.type;
  const LogicalType& want = wanted.field.type;
  if (have == want) {
    if (have.id != TypeId::kString) return Fit::kSame;
    // A longer (or unlimited) stored string already holds what the dataset sends; only a limit that is too
    // short needs work. Narrowing a string is never proposed: the wanted length is the dialect's choice.
    if (stored.max_length > 0 && (wanted.max_length == 0 || wanted.max_length > stored.max_length)) {
      return Fit::kWiden;
    }
    return Fit::kSame;
  }
  if (IsWidening(have, want)) return Fit::kWiden;
  if (IsWidening(want, have)) return Fit::kNarrow;
  return Fit::kIncompatible;
}

// A stored string column accepts the text of any value; otherwise only its own type or a narrower one.
bool CanHold(const StoredColumn& stored, const LogicalType& want) {
  if (!stored.type) return false;
  return *stored.type == want || IsWidening(want, *stored.type) || stored.type->id == TypeId::kString;
}

}  // namespace

SchemaDiff DiffSchema(const std::vector<WantedColumn>& wanted, const std::vector<std::string>& primary_key,
                      const std::optional<TableShape>& stored, const DiffOptions& options) {
  SchemaDiff diff;
  if (!stored) {
    SchemaChange create;
    create.kind = ChangeKind::kCreateTable;
    diff.changes.push_back(std::move(create));
    return diff;
  }
  auto fold = [&](const std::string& n) { return options.case_insensitive_names ? core::ToLower(n) : n; };
  auto ignored = [&](const std::string& n) {
    return std::any_of(options.ignored_columns.begin(), options.ignored_columns.end(),
                       [&](const std::string& i) { return fold(i) == fold(n); });
  };
  std::vector<const StoredColumn*> columns;  // the store's data columns, in table order
  for (const auto& c : stored->columns) {
    if (!ignored(c.name)) columns.push_back(&c);
  }
  auto find_stored = [&](const std::string& name) -> std::optional<size_t> {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (fold(columns[i]->name) == fold(name)) return i;
    }
    return std::nullopt;
  };

  if (options.compare_primary_key && !stored->primary_key.empty()) {
    std::vector<std::string> have, want;
    for (const auto& k : stored->primary_key) have.push_back(fold(k));
    for (const auto& k : primary_key) want.push_back(fold(k));
    std::sort(have.begin(), have.end());
    std::sort(want.begin(), want.end());
    if (have != want) {
      diff.key_error = "the table's primary key is (" + core::Join(stored->primary_key, ", ") +
                       ") but the dataset's is (" + core::Join(primary_key, ", ") +
                       "); changing a primary key needs a table rebuild, which datasync does not do by itself";
    }
  }

  std::vector<bool> matched(columns.size(), false);
  std::vector<size_t> added;  // indexes into wanted
  for (size_t w = 0; w < wanted.size(); ++w) {
    const WantedColumn& want = wanted[w];
    auto at = find_stored(want.field.name);
    if (!at) {
      added.push_back(w);
      continue;
    }
    matched[*at] = true;
    const StoredColumn& have = *columns[*at];
    SchemaChange change;
    change.column = have.name;
    change.field = want.field;
    change.max_length = want.max_length;
    change.stored = have;
    switch (Compare(have, want)) {
      case Fit::kSame: continue;
      case Fit::kWiden: change.kind = ChangeKind::kWidenColumn; break;
      case Fit::kNarrow: change.kind = ChangeKind::kNarrowColumn; break;
      case Fit::kIncompatible:
        change.kind = ChangeKind::kChangeType;
        change.blocks_writes = !CanHold(have, want.field.type);
        break;
    }
    diff.changes.push_back(std::move(change));
  }

  std::vector<size_t> dropped;  // indexes into columns
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!matched[i]) dropped.push_back(i);
  }
  // A rename is only a guess: the column that left and the one that arrived sit at the same position and
  // have the same type. Anything less certain stays an add plus a (held) drop.
  std::vector<bool> renamed_add(wanted.size(), false), renamed_drop(columns.size(), false);
  std::vector<SchemaChange> renames;
  if (options.detect_renames) {
    for (size_t w : added) {
      for (size_t d : dropped) {
        if (renamed_drop[d] || d != w) continue;
        const StoredColumn& have = *columns[d];
        if (!have.type || *have.type != wanted[w].field.type) continue;
        SchemaChange change;
        change.kind = ChangeKind::kRenameColumn;
        change.column = have.name;
        change.new_name = wanted[w].field.name;
        change.field = wanted[w].field;
        change.max_length = wanted[w].max_length;
        change.stored = have;
        change.blocks_writes = true;
        renames.push_back(std::move(change));
        renamed_add[w] = renamed_drop[d] = true;
        break;
      }
    }
  }
  std::vector<SchemaChange> adds;
  for (size_t w : added) {
    if (renamed_add[w]) continue;
    SchemaChange change;
    change.kind = ChangeKind::kAddColumn;
    change.column = wanted[w].field.name;
    change.field = wanted[w].field;
    change.max_length = wanted[w].max_length;
    adds.push_back(std::move(change));
  }
  // Adds first: they are what a run applies; then renames and drops, the held ones.
  diff.changes.insert(diff.changes.begin(), adds.begin(), adds.end());
  for (auto& r : renames) diff.changes.push_back(std::move(r));
  for (size_t d : dropped) {
    if (renamed_drop[d]) continue;
    SchemaChange change;
    change.kind = ChangeKind::kDropColumn;
    change.column = columns[d]->name;
    change.stored = *columns[d];
    diff.changes.push_back(std::move(change));
  }
  return diff;
}

}  // namespace datasync::storage
