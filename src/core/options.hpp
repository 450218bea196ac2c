// Option tables: each provider and sink declares its settings once (name, type, default, required, unit,
// description), and that one table drives config parsing, validation, docs and the dashboard's forms
// (Fluent Bit's config_map, DuckDB's CopyOption). Options is the validated result: typed values with
// defaults filled in. Immutable after parsing; safe to read from many threads.
#pragma once

#include <cstdint>
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
enum class OptionType : uint8_t { kString, kInt, kDouble, kBool, kStringList, kSecret, kPath, kEnum };
std::string_view OptionTypeName(OptionType t);

struct OptionSpec {
  std::string_view name;
  OptionType type;
  std::string_view default_value;  // text form; empty = no default
  bool required = false;
  std::string_view unit;  // "seconds", "bytes", "" ...
  std::string_view description;
  std::vector<std::string_view> allowed = {};  // kEnum only
  // What to write, shown in messages: a missing required option says "(e.g. NAME: EXAMPLE)" instead of its
  // description, and a kSecret written literally is told to use this reference (e.g. "${TUSHARE_TOKEN}").
  std::string_view example = {};
};

using OptionValue = std::variant<std::string, int64_t, double, bool, std::vector<std::string>>;

// Parses one scalar's text against its spec; the error says what is allowed.
Result<OptionValue> ParseOptionScalar(const OptionSpec& spec, std::string_view text);
std::string OptionValueToString(const OptionValue& v);

class Options {
 public:
  Options() = default;

  void Set(std::string name, OptionValue v) { values_[std::move(name)] = std::move(v); }
  bool Has(std::string_view name) const { return values_.find(name) != values_.end(); }
  const std::map<std::string, OptionValue, std::less<>>& values() const { return values_; }

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

}  // namespace datasync::core
