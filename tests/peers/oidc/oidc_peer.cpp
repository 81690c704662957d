#include "tests/peers/oidc/oidc_peer.hpp"

#include <unistd.h>

#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace wasl::testing {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

constexpr int kMaxRedirects = 10;

json config_of(const OidcPeerOptions& options) {
  json clients = json::array();
  for (const auto& c : options.clients) {
    json client = {{"client_id", c.client_id},
                   {"redirect_uris", c.redirect_uris},
                   {"post_logout_redirect_uris", c.post_logout_redirect_uris},
                   {"id_token_signed_response_alg", c.id_token_signed_response_alg}};
    if (!c.public_key_pem.empty()) {
      client["token_endpoint_auth_method"] = "private_key_jwt";
      client["public_key_pem"] = c.public_key_pem;
      if (!c.public_key_kid.empty()) client["public_key_kid"] = c.public_key_kid;
    } else {
      client["token_endpoint_auth_method"] = "client_secret_basic";
      client["client_secret"] = c.client_secret;
    }
    if (!c.backchannel_logout_uri.empty()) {
      client["backchannel_logout_uri"] = c.backchannel_logout_uri;
    }
    clients.push_back(std::move(client));
  }
  json users = json::array();
  for (const auto& u : options.users) {
    json user = {{"username", u.username},
                 {"password", u.password},
                 {"sub", u.sub},
                 {"groups", u.groups},
                 {"mfa", u.mfa}};
    if (!u.name.empty()) user["name"] = u.name;
    if (!u.email.empty()) user["email"] = u.email;
    if (!u.fhir_user.empty()) user["fhir_user"] = u.fhir_user;
    users.push_back(std::move(user));
  }
  json config = {{"clients", clients}, {"users", users}};
  if (!options.issuer.empty()) config["issuer"] = options.issuer;
  return config;
}

// Unreserved characters kept, the rest percent-encoded (a query value, a
// form field).
std::string percent_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

// application/x-www-form-urlencoded.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    out += (out.empty() ? "" : "&") + percent_encode(name) + "=" + percent_encode(value);
  }
  return out;
}

bool contains(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

// The start of a page, for an error message.
std::string excerpt(const std::string& body) { return body.substr(0, 400); }

}  // namespace

std::vector<OidcPeerUser> OidcPeer::sandbox_users() {
  return {
      {.username = "nora",
       .password = "nora-password",
       .sub = "hospital-user-nora",
       .name = "Nora Al-Qahtani",
       .email = "nora@hospital.example",
       .groups = {"wasl-sandbox-integrators"},
       .mfa = true},
      {.username = "omar",
       .password = "omar-password",
       .sub = "hospital-user-omar",
       .name = "Omar Al-Ghamdi",
       .email = "omar@hospital.example",
       .groups = {"wasl-sandbox-integrators"},
       .mfa = false},
      {.username = "huda",
       .password = "huda-password",
       .sub = "hospital-user-huda",
       .name = "Huda Al-Zahrani",
       .email = "huda@hospital.example",
       .groups = {"wasl-sandbox-b-clinicians"},
       .fhir_user = "Practitioner/3",
       .mfa = true},
  };
}

sdk::Result<std::unique_ptr<OidcPeer>> OidcPeer::start(OidcPeerOptions options) {
  static std::atomic<int> counter{0};
  fs::path config_file = fs::temp_directory_path() / ("wasl-oidc-peer-" + std::to_string(getpid()) +
                                                      "-" + std::to_string(++counter) + ".json");
  {
    std::ofstream out(config_file, std::ios::trunc);
    out << config_of(options).dump(2) << '\n';
    if (!out) return Error(ErrorCode::kInternal, "cannot write " + config_file.string());
  }
  PeerOptions process = options.process;
  std::vector<std::string> args = {"--config", config_file.string()};
  if (!options.issuer.empty()) args.insert(args.end(), {"--issuer", options.issuer});
  process.args.insert(process.args.begin(), args.begin(), args.end());
  auto started = PeerProcess::start("oidc", std::move(process));
  if (!started.ok()) {
    std::error_code ec;
    fs::remove(config_file, ec);
    return started.error();
  }
  std::string issuer = options.issuer.empty() ? (*started)->url() : options.issuer;
  return std::unique_ptr<OidcPeer>(
      new OidcPeer(std::move(started).value(), config_file.string(), std::move(issuer)));
}

OidcPeer::~OidcPeer() {
  process_.reset();
  std::error_code ec;
  fs::remove(config_file_, ec);
}

sdk::Result<json> OidcPeer::rotate_keys() const { return process_->post("/_peer/rotate-keys"); }

sdk::Result<json> OidcPeer::retire_old_keys() const {
  return process_->post("/_peer/retire-old-keys");
}

sdk::Result<json> OidcPeer::logout(const std::string& sub) const {
  return process_->post("/_peer/logout?sub=" + percent_encode(sub));
}

sdk::Result<json> OidcPeer::sessions() const {
  WASL_ASSIGN_OR_RETURN(auto answer, process_->get("/_peer/sessions"));
  return answer["sessions"];
}

sdk::Result<std::vector<json>> OidcPeer::backchannel_deliveries() const {
  WASL_ASSIGN_OR_RETURN(auto answer, process_->get("/_peer/received/backchannel"));
  std::vector<json> items;
  for (auto& record : answer["records"]) items.push_back(record["item"]);
  return items;
}

sdk::Result<json> OidcPeer::health() const { return process_->get("/_peer/health"); }

sdk::Result<OidcBrowser::Answer> OidcBrowser::request(const std::string& method,
                                                      const std::string& url,
                                                      const std::string& form_body) {
  try {
    Poco::URI uri(url);
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
    std::string cookie;
    for (const auto& [name, value] : cookies_) {
      cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    }
    if (!cookie.empty()) request.set("Cookie", cookie);
    if (method == "POST") {
      request.setContentType("application/x-www-form-urlencoded");
      request.setContentLength(static_cast<std::streamsize>(form_body.size()));
    }
    session.sendRequest(request) << form_body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Answer answer;
    answer.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, answer.body);
    // Set-Cookie: kept by name; an empty value or an expiry in the past
    // (koa deletes with 1970) removes the cookie.
    for (auto it = response.find("Set-Cookie");
         it != response.end() && Poco::icompare(it->first, "Set-Cookie") == 0; ++it) {
      const std::string& line = it->second;
      auto end = line.find(';');
      std::string pair = line.substr(0, end);
      auto eq = pair.find('=');
      if (eq == std::string::npos) continue;
      std::string name = pair.substr(0, eq);
      std::string value = pair.substr(eq + 1);
      std::string attributes = Poco::toLower(end == std::string::npos ? "" : line.substr(end));
      if (value.empty() || contains(attributes, "expires=thu, 01 jan 1970") ||
          contains(attributes, "max-age=0")) {
        cookies_.erase(name);
      } else {
        cookies_[name] = value;
      }
    }
    if (response.has("Location")) {
      Poco::URI location(uri);
      location.resolve(response.get("Location"));
      answer.location = location.toString();
    }
    return answer;
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kUnavailable, method + " " + url + ": " + e.displayText());
  }
}

sdk::Result<OidcBrowser::Answer> OidcBrowser::follow(Answer answer, std::string& url) {
  for (int hops = 0; hops < kMaxRedirects; ++hops) {
    if (answer.status < 300 || answer.status >= 400 || answer.location.empty()) return answer;
    if (answer.location.rfind(peer_url_ + "/", 0) != 0) return answer;  // leaves the peer
    url = answer.location;
    WASL_ASSIGN_OR_RETURN(answer, request("GET", url));
  }
  return Error(ErrorCode::kFailedPrecondition,
               "more than " + std::to_string(kMaxRedirects) + " redirects from " + url);
}

sdk::Result<std::string> OidcBrowser::sign_in(const std::string& authorization_url,
                                              const std::string& username,
                                              const std::string& password) {
  std::string url = authorization_url;
  WASL_ASSIGN_OR_RETURN(auto first, request("GET", url));
  WASL_ASSIGN_OR_RETURN(auto page, follow(std::move(first), url));
  if (!page.location.empty()) return page.location;  // an IdP session: no form
  if (page.status != 200 || !contains(page.body, "id=\"sign-in\"")) {
    return Error(ErrorCode::kFailedPrecondition, "the peer answered " + url + " with " +
                                                     std::to_string(page.status) + ": " +
                                                     excerpt(page.body));
  }
  // The form posts back to the URL it came from.
  WASL_ASSIGN_OR_RETURN(
      auto posted,
      request("POST", url, form_encode({{"username", username}, {"password", password}})));
  WASL_ASSIGN_OR_RETURN(auto done, follow(std::move(posted), url));
  if (!done.location.empty()) return done.location;
  if (contains(done.body, "id=\"sign-in\"") && contains(done.body, "id=\"error\"")) {
    return Error(ErrorCode::kPermissionDenied,
                 "the peer refused the username or password of " + username);
  }
  return Error(ErrorCode::kFailedPrecondition, "the peer answered the login with " +
                                                   std::to_string(done.status) + ": " +
                                                   excerpt(done.body));
}

sdk::Result<std::string> OidcBrowser::sign_out(const std::string& end_session_url) {
  std::string url = end_session_url;
  WASL_ASSIGN_OR_RETURN(auto first, request("GET", url));
  WASL_ASSIGN_OR_RETURN(auto page, follow(std::move(first), url));
  if (!page.location.empty()) return page.location;
  static const std::regex kAction(
      R"re(<form id="op\.logoutForm" method="post" action="([^"]+)")re");
  static const std::regex kField(R"re(<input type="hidden" name="(\w+)" value="([^"]*)")re");
  std::smatch action;
  if (page.status != 200 || !std::regex_search(page.body, action, kAction)) {
    return Error(ErrorCode::kFailedPrecondition, "the peer answered " + url + " with " +
                                                     std::to_string(page.status) + ": " +
                                                     excerpt(page.body));
  }
  std::vector<std::pair<std::string, std::string>> fields;
  for (std::sregex_iterator it(page.body.begin(), page.body.end(), kField), end; it != end; ++it) {
    fields.emplace_back((*it)[1].str(), (*it)[2].str());
  }
  Poco::URI target(url);
  target.resolve(action[1].str());
  url = target.toString();
  WASL_ASSIGN_OR_RETURN(auto posted, request("POST", url, form_encode(fields)));
  WASL_ASSIGN_OR_RETURN(auto done, follow(std::move(posted), url));
  if (!done.location.empty()) return done.location;
  // No post_logout_redirect_uri: the peer's own "signed out" page.
  if (done.status == 200 && contains(done.body, "<h1>Signed out</h1>")) return url;
  return Error(ErrorCode::kFailedPrecondition, "the peer answered the logout with " +
                                                   std::to_string(done.status) + ": " +
                                                   excerpt(done.body));
}

}  // namespace wasl::testing
