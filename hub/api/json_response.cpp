#include "hub/api/json_response.hpp"

namespace wasl::api {

http::Response json_response(int status, const nlohmann::json& body, const char* content_type) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.set_header("Content-Type", content_type);
  return r;
}

}  // namespace wasl::api
