// Request targets: percent-decoding of paths and queries, and the router's
// match over templates like the API's.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hub/http/percent_decoding.hpp"
#include "hub/http/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::http;
  static const Router* router = [] {
    auto* r = new Router();
    auto ok = [](Request&) { return Response::text(200, "ok"); };
    r->add("GET", "/v1/consultations/{id}", ok);
    r->add("POST", "/v1/consultations/{id}/participants", ok);
    r->add("GET", "/v1/consultations/{id}/participants/{participant}", ok);
    r->add("POST", "/v1/webhooks/{instance}", ok);
    r->add("GET", "/v1/workflows", ok);
    return r;
  }();
  std::string target(reinterpret_cast<const char*>(data), size);
  auto q = target.find('?');
  std::string path = target.substr(0, q);
  if (q != std::string::npos) (void)parse_query(target.substr(q + 1));
  (void)percent_decode(path);
  (void)percent_decode(path, true);
  Match m = router->match("GET", path);
  if (m.route != nullptr) {
    for (const auto& [name, value] : m.params) {
      if (value.find('\0') != std::string::npos) __builtin_trap();  // 404s, never a parameter
    }
  }
  (void)router->match("POST", path);
  return 0;
}
