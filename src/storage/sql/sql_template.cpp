#include "storage/sql/sql_template.hpp"

#include "core/strings.hpp"

namespace datasync::storage::sql {

namespace {

// "where: " before a message, or nothing when the caller names the setting itself.
std::string Prefix(std::string_view where) {
  return where.empty() ? std::string() : std::string(where) + ": ";
}

// Walks the template; for each placeholder calls on_var(name) which returns false to stop with an error.
template <class OnText, class OnVar>
core::Status Walk(std::string_view tmpl, std::string_view where, OnText on_text, OnVar on_var) {
  size_t i = 0;
  while (i < tmpl.size()) {
    char c = tmpl[i];
    if (c == '{' && i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      on_text("{");
      i += 2;
      continue;
    }
    if (c == '}' && i + 1 < tmpl.size() && tmpl[i + 1] == '}') {
      on_text("}");
      i += 2;
      continue;
    }
    if (c == '}') {
      return core::Fail(core::ErrorKind::kConfig,
                        Prefix(where) + "a '}' with no '{' at offset " + std::to_string(i) + " (write }} for a brace)");
    }
    if (c != '{') {
      size_t next = tmpl.find_first_of("{}", i);
      if (next == std::string_view::npos) next = tmpl.size();
      on_text(tmpl.substr(i, next - i));
      i = next;
      continue;
    }
    size_t close = tmpl.find('}', i + 1);
    if (close == std::string_view::npos) {
      return core::Fail(core::ErrorKind::kConfig,
                        Prefix(where) + "a '{' with no '}' at offset " + std::to_string(i) + " (write {{ for a brace)");
    }
    if (auto st = on_var(tmpl.substr(i + 1, close - i - 1)); !st) return st;
    i = close + 1;
  }
  return core::Ok();
}

core::Error Unknown(std::string_view name, const std::vector<std::string>& names, std::string_view where) {
  return core::Error(core::ErrorKind::kConfig, Prefix(where) + "unknown placeholder {" + std::string(name) +
                                                   "} (allowed: " + core::Join(names, ", ") + ")");
}

}  // namespace

core::Result<std::string> RenderTemplate(std::string_view tmpl, const TemplateVars& vars, std::string_view where) {
  std::string out;
  auto st = Walk(
      tmpl, where, [&](std::string_view text) { out.append(text); },
      [&](std::string_view name) -> core::Status {
        for (const auto& [k, v] : vars) {
          if (k == name) {
            out.append(v);
            return core::Ok();
          }
        }
        std::vector<std::string> names;
        for (const auto& kv : vars) names.push_back(kv.first);
        return core::Fail(Unknown(name, names, where));
      });
  if (!st) return core::Fail(st.error());
  return out;
}

core::Status CheckTemplate(std::string_view tmpl, const std::vector<std::string>& names, std::string_view where) {
  return Walk(
      tmpl, where, [](std::string_view) {},
      [&](std::string_view name) -> core::Status {
        for (const auto& n : names) {
          if (n == name) return core::Ok();
        }
        return core::Fail(Unknown(name, names, where));
      });
}

}  // namespace datasync::storage::sql
