// The http_file provider: a vendor's bulk files downloaded over HTTP(S), one file per task, such as Binance's
// public kline archives (data.binance.vision). A dataset's `path` names one file with {param} placeholders
// the plan fills (symbol, interval, day); the file is checked against the vendor's published SHA-256 when
// the dataset says it has one (`checksum: sha256`, the sibling `<file>.CHECKSUM`), unpacked and read as
// delimited text into the dataset's schema (file_format.hpp). A task stores one whole file, so a re-run, or
// an archive the vendor regenerated, replaces that file's rows: nothing twice, nothing left over.
//
// Versions: each page carries the file's version (its published SHA-256, else its ETag, else its
// Last-Modified), which the engine records with the task's ack. When the task's key runs again, the checksum is
// compared with the stored one before the file is downloaded, or the download is conditional (If-None-Match,
// If-Modified-Since); an unchanged file is answered kUnchanged and not downloaded or written again.
//
// Errors: a missing file (404) is PERMANENT (the task fails) unless the dataset says `not_found: empty` (the vendor has no
// file for a day before a listing: an empty result); a checksum that does not match, or an archive cut short,
// TRANSIENT (retried); the HTTP statuses as every provider (net/http_status.hpp).
//
// Lifecycle: app/ calls RegisterHttpFile once at start-up; `create` builds one provider per source, used for
// the whole process. Thread-safety: Fetch and Decode may run concurrently from any number of threads.
#pragma once

#include <span>

#include "core/options.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::files {

void RegisterHttpFile(ProviderRegistry& registry);

std::span<const core::OptionSpec> HttpFileSourceOptions();
std::span<const core::OptionSpec> HttpFileDatasetOptions();

}  // namespace datasync::datasource::files
