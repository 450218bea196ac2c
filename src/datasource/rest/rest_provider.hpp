// The declarative rest provider: a JSON web API described in datasync.yaml alone (its base URL, auth,
// headers, error rules and quota on the source; path, method, params, record selector, paging and
// splitting on each dataset), so that a user syncs from a vendor datasync has never heard of without
// writing C++. The peer is dlt's rest_api source.
//
// Lifecycle: app/ calls RegisterRest once at start-up; `create` builds one provider per configured source
// (its options and error rules checked), used for the whole process. Each dataset's settings are read the
// first time it is fetched and kept while its options stay the same.
// Thread-safety: Fetch, Decode and Split may run concurrently from any number of threads.
#pragma once

#include "datasource/provider.hpp"

namespace datasync::datasource::rest {

// Adds the "rest" provider (its source and dataset option tables, checks and factory) to the registry.
void RegisterRest(ProviderRegistry& registry);

}  // namespace datasync::datasource::rest
