#include "storage/sql/migration_render.hpp"

#include "core/strings.hpp"
#include "storage/sql/sql_template.hpp"

namespace datasync::storage::sql {

const std::vector<std::string>& ColumnTemplateVariables() {
  static const std::vector<std::string> names = {"table", "column", "new_column", "type", "old_type"};
  return names;
}

std::vector<std::string> SplitStatements(std::string_view tmpl) {
  std::vector<std::string> out;
  std::string current;
  char quote = 0;
  for (char c : tmpl) {
    if (quote) {
      current.push_back(c);
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      current.push_back(c);
      continue;
    }
    if (c == ';') {
      std::string s(core::Trim(current));
      if (!s.empty()) out.push_back(std::move(s));
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  std::string s(core::Trim(current));
  if (!s.empty()) out.push_back(std::move(s));
  return out;
}

core::Result<std::vector<std::string>> RenderStatements(std::string_view tmpl, const TemplateVars& vars,
                                                        std::string_view where) {
  std::vector<std::string> out;
  for (const auto& part : SplitStatements(tmpl)) {
    auto s = RenderTemplate(part, vars, where);
    if (!s) return core::Fail(s.error());
    out.push_back(std::move(*s));
  }
  return out;
}

core::Result<std::vector<MigrationStep>> RenderColumnChanges(const SchemaDiff& diff, const ColumnTemplates& templates,
                                                             const RenderContext& ctx) {
  std::vector<MigrationStep> steps;
  for (const auto& change : diff.changes) {
    if (change.kind == ChangeKind::kCreateTable) continue;
    const std::string* tmpl = nullptr;
    std::string name;
    switch (change.kind) {
      case ChangeKind::kAddColumn: tmpl = &templates.add_column, name = "add_column_template"; break;
      case ChangeKind::kWidenColumn: tmpl = &templates.widen_column, name = "widen_column_template"; break;
      case ChangeKind::kNarrowColumn:
      case ChangeKind::kChangeType: tmpl = &templates.change_column, name = "change_column_template"; break;
      case ChangeKind::kDropColumn: tmpl = &templates.drop_column, name = "drop_column_template"; break;
      case ChangeKind::kRenameColumn: tmpl = &templates.rename_column, name = "rename_column_template"; break;
      case ChangeKind::kCreateTable: break;
    }
    TemplateVars vars = {
        {"table", ctx.table},
        {"column", ctx.quote(change.column)},
        {"new_column", ctx.quote(change.kind == ChangeKind::kRenameColumn ? change.new_name : change.column)},
        {"type", change.kind == ChangeKind::kDropColumn ? change.stored.native_type : ctx.wanted_type(change)},
        {"old_type", change.stored.native_type},
    };
    auto statements = RenderStatements(*tmpl, vars, ctx.where + " option " + name);
    if (!statements) return core::Fail(statements.error());
    steps.push_back(MigrationStep{change, std::move(*statements)});
  }
  return steps;
}

}  // namespace datasync::storage::sql
