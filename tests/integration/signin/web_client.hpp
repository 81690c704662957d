// WebClient: what a browser does for the OpenID Connect sign-in, without a
// browser: plain HTTP/1.1 to loopback hosts with a cookie jar (RFC 6265
// host-only cookies: name, path, Max-Age/Expires deletion; cookies of a host
// are shared by its ports, as browsers do), redirects followed one hop at a
// time, and the identity provider's login form read from its HTML and
// posted. A test double: never shipped. One object per test thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wasl::testing {

struct WebAnswer {
  int status = 0;   // 0: the request could not be made (a test failure was added)
  std::string url;  // the URL that answered
  std::string body;
  std::string content_type;
  std::multimap<std::string, std::string> headers;  // names lowercased

  // The first value of a header (name in any case), or "".
  std::string header(const std::string& name) const;
  // Location resolved against url, or "".
  std::string location() const;
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

class WebClient {
 public:
  // One request to an absolute http:// URL, cookies of the jar sent, its
  // Set-Cookie headers kept. `headers` are added as given.
  WebAnswer request(const std::string& method, const std::string& url, const std::string& body = {},
                    const std::string& content_type = {},
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
  WebAnswer get(const std::string& url,
                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return request("GET", url, {}, {}, headers);
  }
  WebAnswer post_form(const std::string& url, const FormFields& fields,
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // GET `url`, then each redirect's Location (GET, as browsers do after a
  // 302 or 303), until an answer that is not a redirect or one whose URL
  // starts with `stop_at` (that answer is returned unfollowed). At most 15
  // hops. `hops` (when given) receives every URL requested.
  WebAnswer follow(const std::string& url, const std::string& stop_at = {},
                   std::vector<std::string>* hops = nullptr);
  // follow() from a redirect already received.
  WebAnswer follow_from(const WebAnswer& answer, const std::string& stop_at = {},
                        std::vector<std::string>* hops = nullptr);

  // The jar's value of cookie `name` for `host` ("127.0.0.1"), any path.
  std::optional<std::string> cookie(const std::string& host, const std::string& name) const;
  // Puts a cookie in the jar, path "/" (a replayed or forged one).
  void set_cookie(const std::string& host, const std::string& name, const std::string& value);
  void clear_cookies() { jar_.clear(); }

 private:
  struct Cookie {
    std::string value;
    std::string path = "/";
  };
  void keep_cookie(const std::string& host, const std::string& request_path,
                   const std::string& set_cookie);
  std::string cookie_header(const std::string& host, const std::string& path) const;

  // host -> (name, path) -> cookie
  std::map<std::string, std::map<std::pair<std::string, std::string>, Cookie>> jar_;
};

// The first <form> of an HTML page: its action resolved against `page_url`
// and the values of its <input> elements (hidden ones included); nullopt
// when the page has no form.
struct HtmlForm {
  std::string action;
  std::string method = "get";
  FormFields inputs;
};
std::optional<HtmlForm> first_form(const std::string& html, const std::string& page_url);

// `target` resolved against `base` (absolute URL, absolute path, or a path
// relative to base's folder).
std::string resolve_url(const std::string& base, const std::string& target);

// application/x-www-form-urlencoded.
std::string form_encode(const FormFields& fields);

}  // namespace wasl::testing
