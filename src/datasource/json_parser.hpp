// The DOM parser each fetch thread decodes vendor answers with.
#pragma once

#include <simdjson.h>

#include <cstddef>

namespace datasync::datasource {

// This thread's parser, with room for a document of `bytes`. It validates the whole document before a
// decoder reads it, so a truncated body can never pass as a shorter valid one. Its buffers only grow, and
// by half again beyond the largest document seen (at least 64 KiB): answers of a few hundred rows vary in
// size, and growing to each new largest one exactly reallocated (and faulted in) the buffers again and again.
simdjson::dom::parser& ThreadJsonParser(size_t bytes);

}  // namespace datasync::datasource
