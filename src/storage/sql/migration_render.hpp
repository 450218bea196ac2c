// Rendering a SchemaDiff's column changes into statements of one SQL dialect, from the templates a storage
// may override (options add_column_template, widen_column_template, change_column_template,
// drop_column_template, rename_column_template). Variables: {table} (qualified and quoted), {column},
// {new_column} (quoted), {type} (the dataset's native type), {old_type} (the stored native type).
// A template may hold several statements separated by ';'. Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "storage/schema_diff.hpp"
#include "storage/schema_migrator.hpp"

namespace datasync::storage::sql {

struct ColumnTemplates {
  std::string add_column;
  std::string widen_column;
  std::string change_column;  // narrowing and incompatible changes
  std::string drop_column;
  std::string rename_column;
};

// The placeholders each column template may use.
const std::vector<std::string>& ColumnTemplateVariables();

struct RenderContext {
  std::string table;                                            // qualified, quoted
  std::function<std::string(std::string_view)> quote;           // identifier quoting
  std::function<std::string(const SchemaChange&)> wanted_type;  // the native type the change's field gets
  std::string where;                                            // "storage 'pg'", for template errors
};

// One step per change except kCreateTable (the sink renders its own CREATE TABLE).
core::Result<std::vector<MigrationStep>> RenderColumnChanges(const SchemaDiff& diff, const ColumnTemplates& templates,
                                                             const RenderContext& ctx);

// Splits a template into statements at ';' outside quotes ('…', "…", `…`), trimming each and dropping
// empty ones. Splitting happens before variables are substituted, so a name with a ';' never splits.
std::vector<std::string> SplitStatements(std::string_view tmpl);

// Renders a template that may hold several statements.
core::Result<std::vector<std::string>> RenderStatements(std::string_view tmpl,
                                                        const std::vector<std::pair<std::string, std::string>>& vars,
                                                        std::string_view where);

}  // namespace datasync::storage::sql
