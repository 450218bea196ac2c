// The one visible list of built-in plugins (CONVENTIONS "Plugins": explicit registration, no static-init
// self-registration). Adding a provider, a sink, a system database backend or an alert channel type adds
// one line here.
#pragma once

#include "alerting/channel_registry.hpp"
#include "datasource/provider.hpp"
#include "metadata/system_db_factory.hpp"
#include "storage/sink.hpp"

namespace datasync::app {

void RegisterBuiltinProviders(datasource::ProviderRegistry& registry);
void RegisterBuiltinSinks(storage::SinkRegistry& registry);
// The system database backends, by URL scheme (a new backend adds one line here and links its target).
void RegisterBuiltinSystemDbs(metadata::SystemDbFactory& factory);
// The alert channel types (`type:` under alerts.channels), each with its option table.
void RegisterBuiltinChannels(alerting::ChannelRegistry& registry);

}  // namespace datasync::app
