#include <nlohmann/json.hpp>

#include "app/option_docs.hpp"
#include "app/registries.hpp"
#include "app/views/plugin_views.hpp"
#include "cli/commands.hpp"
#include "core/json_text.hpp"

namespace datasync::cli {

int CmdPlugins(const Globals& g, bool markdown) {
  datasource::ProviderRegistry providers;
  storage::SinkRegistry sinks;
  app::RegisterBuiltinProviders(providers);
  app::RegisterBuiltinSinks(sinks);
  if (g.json) {
    Print(core::JsonText(app::views::PluginsJson(providers, sinks), 2) + "\n");
    return kOk;
  }
  std::string text;
  auto lines = [&](std::string_view indent, std::span<const core::OptionSpec> options) {
    for (const auto& o : options) {
      text += std::string(indent) + std::string(o.name) + " (" + app::OptionTypeText(o) +
              (o.default_value.empty() ? "" : ", default " + std::string(o.default_value)) +
              (o.required ? ", required" : "") + "): " + std::string(o.description) + "\n";
    }
  };
  auto section = [&](const std::string& kind, const std::string& id, const std::string& description,
                     std::span<const core::OptionSpec> options, std::span<const core::OptionSpec> dataset_options) {
    if (markdown) {
      text += "### " + kind + " `" + id + "`\n\n" + description + "\n\n" + app::OptionTableMarkdown(options) + "\n";
      if (!dataset_options.empty()) {
        text += "Keys of a dataset of a `" + id + "` source (beside the common ones):\n\n" +
                app::OptionTableMarkdown(dataset_options) + "\n";
      }
      return;
    }
    text += kind + " " + id + ": " + description + "\n";
    lines("  ", options);
    if (!dataset_options.empty()) {
      text += "  dataset keys:\n";
      lines("    ", dataset_options);
    }
  };
  for (const auto& id : providers.Ids()) {
    const auto* p = providers.Find(id);
    section("provider", p->id, p->description, p->options, p->dataset_options);
  }
  for (const auto& id : sinks.Ids()) {
    const auto* s = sinks.Find(id);
    section("sink", s->id, s->description, s->options, {});
  }
  Print(text);
  return kOk;
}

}  // namespace datasync::cli
