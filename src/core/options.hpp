// Option tables: each provider and sink declares its settings once (name, type, default, required, unit,
// description), and that one table drives config parsing, validation, docs and the dashboard's forms
// (Fluent Bit's config_map, DuckDB's CopyOption). Options is the validated result: typed values with
// defaults filled in. Immutable after parsing; safe to read from many threads.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace datasync::core {

// kSecret: a credential or password. Written as a ${ENV} (or ${scheme:name}) reference that is resolved
// when the plugin uses it (core/secrets.hpp ResolveSecret); a literal is accepted with a warning, registered
// for redaction and moved out of the catalog on apply; shown masked (DisplaySecret) wherever options are shown.
//
// kRecordList: a list of small maps written in YAML (a rest source's error rules), each map's keys and values
// declared by the spec's own `fields` table (scalars only: no secrets, lists or nested records). The value
// holds each record's fields as written text; a plugin reads them typed with RecordOptions.
enum class OptionType : uint8_t { kString, kInt, kDouble, kBool, kStringList, kSecret, kPath, kEnum, kRecordList };
std::string_view OptionTypeName(OptionType t);

// The values a kInt option allows, as data on its spec: ParseOptionScalar and CheckOptionValues check it,
// so no plugin writes the check (or its message) by hand. The message is the requirement then ", got V".
struct OptionRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  // The requirement as a message states it, when the generic wording ("must be between 1 and 22", "must be
  // positive", "cannot be negative", byte counts in MiB/GiB/TiB) would drop the reason ("must be between 2
  // and 1048576 (Excel's limit)"). Empty: the generic wording.
  std::string_view text = {};
};

struct OptionSpec {
  std::string_view name;
  OptionType type;
  std::string_view default_value = {};  // text form; empty = no default
  bool required = false;
  std::string_view unit = {};  // "seconds", "bytes", "" ...
  std::string_view description = {};
  std::vector<std::string_view> allowed = {};  // kEnum only
  // What to write, shown in messages: a missing required option says "(e.g. NAME: EXAMPLE)" instead of its
  // description, and a kSecret written literally is told to use this reference (e.g. "${TUSHARE_TOKEN}").
  std::string_view example = {};
  std::optional<OptionRange> range = {};  // kInt only
  std::span<const OptionSpec> (*fields)() = nullptr;  // kRecordList only: the table of each record's keys
};

// The function that returns an option table (each plugin has one: CsvSinkOptions, TushareOptions, ...).
using OptionTableFn = std::span<const OptionSpec> (*)();

// A typed name of one option of one table, declared next to that table (`inline constexpr
// core::OptionKey<int64_t> kBusyTimeoutMs{"busy_timeout_ms", SqliteSinkOptions};`) and read with
// Options::Get. The table entry uses the key's name, so the name is written once; a misspelt key is a
// compile error, and Get takes the default from the table, so the default is written once too. T is the
// C++ type of the option's values: std::string (kString, kSecret, kPath, kEnum), int64_t (kInt), double
// (kDouble), bool (kBool), std::vector<std::string> (kStringList).
template <typename T>
struct OptionKey {
  std::string_view name;
  OptionTableFn table;
};

// One record of a kRecordList option: its fields as written, by name.
using OptionRecord = std::map<std::string, std::string, std::less<>>;
using OptionRecords = std::vector<OptionRecord>;

using OptionValue = std::variant<std::string, int64_t, double, bool, std::vector<std::string>, OptionRecords>;

// Parses one scalar's text against its spec, allowed values and range included; the error says what is
// allowed.
Result<OptionValue> ParseOptionScalar(const OptionSpec& spec, std::string_view text);
// The table's own rule a typed value breaks (a kEnum value not allowed, a kInt out of its range), as the
// message without the key; nullopt when it keeps them. The one place these rules are checked.
std::optional<std::string> OptionValueProblem(const OptionSpec& spec, const OptionValue& value);
std::string OptionValueToString(const OptionValue& v);

class Options {
 public:
  Options() = default;

  void Set(std::string name, OptionValue v) { values_[std::move(name)] = std::move(v); }
  bool Has(std::string_view name) const { return values_.find(name) != values_.end(); }
  const std::map<std::string, OptionValue, std::less<>>& values() const { return values_; }

  // The typed read plugins use: the value, else the default of the key's table entry (parsed; a type's
  // zero value when the entry has none). A key its table does not declare, or whose T does not fit the
  // entry's type, is a programmer error (std::logic_error).
  std::string Get(const OptionKey<std::string>& key) const;
  int64_t Get(const OptionKey<int64_t>& key) const;
  double Get(const OptionKey<double>& key) const;
  bool Get(const OptionKey<bool>& key) const;
  std::vector<std::string> Get(const OptionKey<std::vector<std::string>>& key) const;
  OptionRecords Get(const OptionKey<OptionRecords>& key) const;

  // Reads by name, for code that walks a table (listings, secrets, the catalog); plugins use Get(key).
  std::string GetString(std::string_view name, std::string_view fallback = "") const;
  int64_t GetInt(std::string_view name, int64_t fallback = 0) const;
  double GetDouble(std::string_view name, double fallback = 0) const;
  bool GetBool(std::string_view name, bool fallback = false) const;
  std::vector<std::string> GetList(std::string_view name) const;

  // Fills defaults for every spec not set; fails naming the first missing required option.
  Status ApplyDefaults(std::span<const OptionSpec> specs, std::string_view where);

  friend bool operator==(const Options&, const Options&) = default;

 private:
  std::map<std::string, OptionValue, std::less<>> values_;
};

// One record of a kRecordList option read against the spec's `fields` table: each field parsed (its type,
// allowed values and range), defaults filled in. Fails (kConfig) naming the first field that is unknown,
// refused or missing, prefixed by `where` ("sources.api.error_rules[2]").
Result<Options> RecordOptions(const OptionRecord& record, std::span<const OptionSpec> fields, std::string_view where);

// A rule of a plugin's options that the table's types cannot state (a one-character delimiter, an Excel
// sheet name, a URL's syntax, a ${ENV} reference that must resolve), broken. Plugins return these from
// one check function that both config loading and their Bind/create run, so `validate` and a run never
// disagree. `key` names the option (config loading reports the problem at that key's value); `message`
// says what is wrong and what to do, without the key; `fragment` is the part of the value the problem is
// about (a ${VAR} inside a URL), or empty for the whole value.
struct OptionProblem {
  std::string key;
  std::string message;
  std::string fragment = {};

  friend bool operator==(const OptionProblem&, const OptionProblem&) = default;
};
using OptionProblems = std::vector<OptionProblem>;

// The table's rules (OptionValueProblem) on the values that are set, for options that were not parsed from
// text (a sink's Bind, a provider's create); keys the table does not know are left alone. Each plugin's
// check function starts here, so its Bind and `validate` agree on them.
OptionProblems CheckOptionValues(const Options& options, std::span<const OptionSpec> specs);

// What a check may look at beyond the options themselves.
struct OptionCheckContext {
  // Look up the ${ENV} references the options hold: an unset variable is a problem. Off, references are
  // checked for their syntax only (commands that read the file without using its secrets).
  bool resolve_secrets = false;
};

// Ok when there are none; else kConfig "PREFIXkey: message; PREFIXkey2: message2" (prefix "option " for a
// sink's Bind, "sources.NAME." for a provider).
Status ProblemsToStatus(const OptionProblems& problems, std::string_view prefix);

const OptionSpec* FindOption(std::span<const OptionSpec> specs, std::string_view name);

// The options as they may be shown (listings, JSON views): every kSecret value through DisplaySecret (a
// reference as written, a literal as "***"). Values of keys `specs` does not know are kept.
Options MaskSecrets(const Options& options, std::span<const OptionSpec> specs);

// The resolved values of the kSecret options that are set, in table order, joined by '\x1f'; a reference
// that does not resolve counts as written. What a vendor counts its budget against: hash it, never show it.
std::string SecretFingerprintInput(const Options& options, std::span<const OptionSpec> specs,
                                   std::string_view where_prefix);
// "a, b, c" of the spec names, for "unknown key" messages.
std::string OptionNames(std::span<const OptionSpec> specs);

// What a plugin's check starts with: each key the table does not know ("unknown key for WHAT (allowed: ...)"),
// then CheckOptionValues. `what` names the owner: "provider tushare", "a rest dataset".
OptionProblems CheckOptionTable(const Options& options, std::span<const OptionSpec> specs, std::string_view what);

}  // namespace datasync::core
