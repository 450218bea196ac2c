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
#include <utility>
#include <vector>

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
// True for a setting's key that names a password, case-insensitively: it contains "password" or "passwd"
// (sslpassword, db.password), or it is "pwd" (ODBC).
bool IsPasswordKey(std::string_view key);
// Text that may be or hold a connection string, with every password form shown as DisplaySecret would
// (a ${ENV} reference stays as written, anything else becomes ***): a URL's userinfo
// ("scheme://user:***@host/..."), a query's ?password=/&password=, and key=value settings as in a libpq DSN
// ("host=db password=*** user=app", a value in single quotes included), keys matched by IsPasswordKey.
// The one masking function of every listing and output of settings; other text is returned as is.
std::string MaskPasswords(std::string_view text);
// Where MaskPasswords finds a password value in `text` (offset and length, without the quotes of a quoted
// value), in order: what `apply` moves out of the system database (app/local_secrets.hpp).
std::vector<std::pair<size_t, size_t>> FindPasswords(std::string_view text);

}  // namespace datasync::core
