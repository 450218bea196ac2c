// The one visible list of built-in plugins (CONVENTIONS "Plugins": explicit registration, no static-init
// self-registration). Adding a provider or a sink adds one line here.
#pragma once

#include "datasource/provider.hpp"
#include "storage/sink.hpp"

namespace datasync::app {

void RegisterBuiltinProviders(datasource::ProviderRegistry& registry);
void RegisterBuiltinSinks(storage::SinkRegistry& registry);

}  // namespace datasync::app
