// Secrets: references like ${TUSHARE_TOKEN} are stored and shown; the values they resolve to are used only
// at the moment of a request and redacted from every log line, error message and API answer.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace datasync::core {

// True if s is exactly a ${NAME} reference.
bool IsSecretReference(std::string_view s);

// Resolves ${NAME} from the environment (and registers the value for redaction). A plain string is
// returned as is (and also registered). An unset variable fails with kConfig naming the variable and
// `where` (e.g. "sources.tushare.token: environment variable X is not set (export X=... before
// running)"); with an empty `where` the message starts at "environment variable".
Result<std::string> ResolveSecret(std::string_view ref, std::string_view where);

// Registers a value to be masked by Redact (values shorter than 4 characters are ignored).
void RegisterSecret(std::string_view value);
// Replaces every registered secret value in s with "***".
std::string Redact(std::string_view s);
// How a secret setting is displayed: the reference itself, or "***" for a literal value.
std::string DisplaySecret(std::string_view configured);
// A URL with its password shown as DisplaySecret would ("scheme://user:***@host/..."; a ${ENV} reference
// stays as written); text that is not such a URL is returned as is.
std::string MaskUrlPassword(std::string_view url);

}  // namespace datasync::core
