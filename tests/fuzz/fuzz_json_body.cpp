// JSON request bodies as every /v1 route reads them (read_json_object):
// charset, UTF-8, depth limit, parse, object check.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hub/api/json_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wasl::http::Request request;
  request.method = "POST";
  request.path = "/v1/consultations";
  request.headers.emplace("Content-Type", "application/json; charset=utf-8");
  request.body.assign(reinterpret_cast<const char*>(data), size);
  nlohmann::json out;
  (void)wasl::api::read_json_object(request, out);
  return 0;
}
