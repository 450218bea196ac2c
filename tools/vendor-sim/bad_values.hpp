// Hostile vendor data [sim]: one value a strict JSON parser refuses inside an otherwise valid answer (an
// integer beyond 64 bits, an invalid UTF-8 byte), and a field whose name carries terminal escapes or line
// breaks, so a test can prove a client neither retries such a page nor prints the name raw. Driven by the
// runtime config's bad_value, bad_value_field and extra_field (sim_config.hpp).
#pragma once

#include <string>

#include "sim_config.hpp"

namespace datasync::vendorsim {

// Rewrites a successful answer (code 0) as configured; other bodies, and every body while all three
// settings are empty, stay as they are. The rewritten body is compact JSON whatever the json_style.
void SpoilValues(std::string& body, const RuntimeConfig& config);

}  // namespace datasync::vendorsim
