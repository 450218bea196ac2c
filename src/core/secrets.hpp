// Secrets: references like ${TUSHARE_TOKEN} are stored and shown; the values they resolve to are used only
// at the moment of a request and redacted from every log line, error message and API answer.
//
// A reference is ${NAME} (an environment variable: letters, digits, _) or ${scheme:NAME} (NAME: letters,
// digits, _ . -), resolved by the resolver registered for the scheme; app/ registers "local", the project's
// own secrets file, where `apply` keeps secrets written literally in datasync.yaml so that the system
// database never holds one (app/local_secrets.hpp).
// Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace datasync::core {

// True if s is exactly a ${NAME} or ${scheme:NAME} reference.
bool IsSecretReference(std::string_view s);

// Resolves the NAME of ${scheme:NAME}: the value, nullopt when the scheme has no such secret, or an error.
using SecretResolver = std::function<Result<std::optional<std::string>>(std::string_view name)>;
// Registers (or replaces) the resolver of `scheme`, e.g. "local".
void RegisterSecretScheme(std::string scheme, SecretResolver resolver, std::string missing_hint);

// Resolves ${NAME} from the environment, ${scheme:NAME} through its scheme's resolver (and registers the
// value for redaction). A plain string is returned as is (and also registered). An unset variable or a
// secret the scheme does not have fails with kConfig naming it and `where` (e.g. "sources.tushare.token:
// environment variable X is not set (export X=... before running)"); with an empty `where` the message
// starts at "environment variable".
Result<std::string> ResolveSecret(std::string_view ref, std::string_view where);

// Registers a value to be masked by Redact (values shorter than 4 characters are ignored).
void RegisterSecret(std::string_view value);
// Replaces every registered secret value in s with "***".
std::string Redact(std::string_view s);
// How a secret setting is displayed: an ${ENV} reference itself, "***" for a literal value and for a
// ${scheme:NAME} reference (it stands for a value kept elsewhere, e.g. a literal moved out of the file).
std::string DisplaySecret(std::string_view configured);
// Where the password of "scheme://user:password@host/..." is in `url` (offset and length; the password may
// hold '@', the userinfo ends at the last '@' of the authority); nullopt when there is none.
std::optional<std::pair<size_t, size_t>> FindUrlPassword(std::string_view url);
// A URL with its password shown as DisplaySecret would ("scheme://user:***@host/..."; a ${ENV} reference
// stays as written); text that is not such a URL is returned as is.
std::string MaskUrlPassword(std::string_view url);

}  // namespace datasync::core
