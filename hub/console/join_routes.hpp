// The join page at /join/: where a patient or a clinician opens the link the
// hub gives with a Janus join token (<public URL>/join/#<credential>). The
// credential travels in the URL's fragment, so no request to the hub ever
// carries it; the page's files hold no data and the page talks only to the
// Janus HTTP API the credential names. Served like the console: compiled-in
// static files (hub/console/join/) and the console's Content-Security-Policy,
// whose connect-src names the Janus API origins of the configured Janus
// instances and nothing else. The Janus client library and WebRTC adapter
// are Debian's (libjs-janus-gateway, libjs-webrtc-adapter), read from
// /usr/share/javascript at start-up: nothing is downloaded at run time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/http/router.hpp"

namespace wasl::console {

struct JoinPageOptions {
  // "scheme://host[:port]" of each Janus HTTP API the page may call.
  std::vector<std::string> janus_origins;
  // Debian's client libraries, served as /join/assets/janus.js and
  // /join/assets/adapter.js.
  std::string janus_js = "/usr/share/javascript/janus-gateway/janus.js";
  std::string adapter_js = "/usr/share/javascript/webrtc-adapter/adapter.js";
};

// The origin ("http://127.0.0.1:8088", lower-cased) of an http:// or
// https:// URL, as a CSP source; nothing for any other URL or for an
// authority with a character a CSP source cannot carry (space, ';', ',',
// quotes), so configuration can never add a directive.
std::optional<std::string> csp_origin(std::string_view url);

// The console's policy with `connect-src` set to `origins` ('none' when
// there are none).
std::string join_content_security_policy(const std::vector<std::string>& origins);

// Registers GET /join (redirect), /join/ (index.html) and
// /join/assets/{file}; `/join/{code}` (a notification's join link) is
// another route's. Answers what could not be read (a library file missing:
// the page then says it cannot start), for the caller to log.
std::vector<std::string> add_join_routes(http::Router& router, const JoinPageOptions& options);

}  // namespace wasl::console
