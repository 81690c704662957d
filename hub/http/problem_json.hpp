// problem+json (RFC 9457) error bodies. Every error the API returns is built
// here: `type`, `title`, `status`, `detail`, and `errors[]` for field
// problems. Never a stack trace, never PHI. The standard problems below use
// type URIs "https://wasl.dev/problems/<slug>" (…/not-found,
// …/payload-too-large); a Problem with an empty type serialises as
// "about:blank". When a request id is given it is added as the extension
// member "request_id" so a client can quote it.
#pragma once

#include <string>
#include <vector>

#include "hub/http/exchange.hpp"

namespace wasl::http {

struct FieldError {
  std::string field;    // JSON pointer-ish path, e.g. "patient.identifier"
  std::string code;     // machine-readable, e.g. "required", "too_long"
  std::string message;  // one sentence
};

struct Problem {
  int status = 500;
  std::string type;    // URI reference; "about:blank" when status says it all
  std::string title;   // short, the same for every occurrence of the type
  std::string detail;  // this occurrence
  std::vector<FieldError> errors;
  std::string instance;  // optional: the request path

  // Serialises to a Response with Content-Type application/problem+json.
  Response to_response(const std::string& request_id = {}) const;
};

// The standard problems the server itself answers with.
Problem bad_request(std::string detail, std::vector<FieldError> errors = {});
Problem unauthorized(std::string detail);
Problem forbidden(std::string detail);
Problem not_found(std::string detail);
Problem method_not_allowed(std::string detail);
Problem conflict(std::string detail);
Problem request_timeout(std::string detail);  // 408: the request did not arrive in time
Problem payload_too_large(std::string detail);
Problem unsupported_media_type(std::string detail);
Problem unprocessable(std::string detail, std::vector<FieldError> errors = {});
Problem too_many_requests(std::string detail);
Problem internal_error(std::string detail = "The server could not complete the request.");
Problem service_unavailable(std::string detail);

}  // namespace wasl::http
