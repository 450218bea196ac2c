// Cleartext warnings: where a secret (a vendor token, a webhook's credentials, an SMTP password) would
// travel unencrypted. A target is in the clear when its scheme carries no TLS (http://, or smtp:// that may
// stay plain) and its host is not loopback: nothing on loopback crosses a network, which is why the
// simulator and the test servers on 127.0.0.1 are exempt.
//
// Pure functions, and WarnOnce, which logs each target once per process. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace datasync::net {

// The host of "scheme://[userinfo@]host[:port][/...]", lower-cased, without the brackets of an IPv6
// address; "" when `url` has none.
std::string UrlHost(std::string_view url);

// localhost, *.localhost, 127.0.0.0/8, ::1 and ::ffff:127.x.x.x.
bool IsLoopbackHost(std::string_view host);

// True when `url` is http:// (case-insensitively) to a host that is not loopback.
bool IsCleartextHttp(std::string_view url);

// Logs `warning` at warn level the first time `target` is named in this process; later calls with the same
// target are silent, so a warning per request does not flood the log. True when it logged.
bool WarnOnce(std::string_view target, std::string_view warning);

}  // namespace datasync::net
