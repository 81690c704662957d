#include "tests/integration/signin/web_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <cctype>
#include <regex>
#include <sstream>

namespace wasl::testing {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  std::size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

std::string decode_entities(std::string text) {
  const std::pair<const char*, const char*> kEntities[] = {
      {"&quot;", "\""}, {"&#39;", "'"},  {"&#x27;", "'"}, {"&lt;", "<"},
      {"&gt;", ">"},    {"&#x2F;", "/"}, {"&#47;", "/"},  {"&amp;", "&"}};
  for (const auto& [entity, plain] : kEntities) {
    std::size_t at = 0;
    while ((at = text.find(entity, at)) != std::string::npos) {
      text.replace(at, std::string(entity).size(), plain);
      at += std::string(plain).size();
    }
  }
  return text;
}

// The value of attribute `name` in the text of one tag, or nullopt.
std::optional<std::string> attribute(const std::string& tag, const std::string& name) {
  std::regex pattern("\\s" + name + "\\s*=\\s*(\"([^\"]*)\"|'([^']*)'|([^\\s>]+))",
                     std::regex::icase);
  std::smatch match;
  if (!std::regex_search(tag, match, pattern)) return std::nullopt;
  if (match[2].matched) return decode_entities(match[2].str());
  if (match[3].matched) return decode_entities(match[3].str());
  return decode_entities(match[4].str());
}

}  // namespace

std::string WebAnswer::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::string WebAnswer::location() const {
  std::string target = header("Location");
  return target.empty() ? target : resolve_url(url, target);
}

std::string resolve_url(const std::string& base, const std::string& target) {
  Poco::URI resolved(base);
  resolved.resolve(target);
  return resolved.toString();
}

std::string form_encode(const FormFields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body += '&';
    std::string encoded_name, encoded_value;
    Poco::URI::encode(name, "!#$&'()*+,/:;=?@[]", encoded_name);
    Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", encoded_value);
    body += encoded_name + "=" + encoded_value;
  }
  return body;
}

std::optional<HtmlForm> first_form(const std::string& html, const std::string& page_url) {
  std::smatch form_match;
  static const std::regex kForm("<form\\b([^>]*)>([\\s\\S]*?)</form>", std::regex::icase);
  if (!std::regex_search(html, form_match, kForm)) return std::nullopt;
  HtmlForm form;
  const std::string open_tag = " " + form_match[1].str();
  form.action = resolve_url(page_url, attribute(open_tag, "action").value_or(page_url));
  form.method = lower(attribute(open_tag, "method").value_or("get"));
  static const std::regex kInput("<input\\b([^>]*)>", std::regex::icase);
  const std::string inner = form_match[2].str();
  for (auto it = std::sregex_iterator(inner.begin(), inner.end(), kInput);
       it != std::sregex_iterator(); ++it) {
    const std::string tag = " " + (*it)[1].str();
    auto name = attribute(tag, "name");
    if (!name) continue;
    form.inputs.emplace_back(*name, attribute(tag, "value").value_or(""));
  }
  return form;
}

WebAnswer WebClient::request(const std::string& method, const std::string& url,
                             const std::string& body, const std::string& content_type,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  WebAnswer answer;
  answer.url = url;
  try {
    Poco::URI uri(url);
    if (uri.getScheme() != "http") {
      ADD_FAILURE() << "WebClient speaks plain http only: " << url;
      return answer;
    }
    Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
    session.setTimeout(Poco::Timespan(15, 0));
    std::string target = uri.getPathEtc();
    if (target.empty()) target = "/";
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    std::string cookies = cookie_header(uri.getHost(), uri.getPath().empty() ? "/" : uri.getPath());
    if (!cookies.empty()) request.set("Cookie", cookies);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!content_type.empty()) request.setContentType(content_type);
    if (!body.empty() || method == "POST") {
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, answer.body);
    answer.status = static_cast<int>(response.getStatus());
    answer.content_type = response.getContentType();
    for (const auto& [name, value] : response) {
      answer.headers.emplace(lower(name), value);
    }
    for (auto [it, end] = answer.headers.equal_range("set-cookie"); it != end; ++it) {
      keep_cookie(uri.getHost(), uri.getPath(), it->second);
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << method << " " << url << " failed: " << e.what();
    answer.status = 0;
  }
  return answer;
}

WebAnswer WebClient::post_form(const std::string& url, const FormFields& fields,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  return request("POST", url, form_encode(fields), "application/x-www-form-urlencoded", headers);
}

WebAnswer WebClient::follow(const std::string& url, const std::string& stop_at,
                            std::vector<std::string>* hops) {
  if (hops) hops->push_back(url);
  WebAnswer answer = get(url);
  return follow_from(answer, stop_at, hops);
}

WebAnswer WebClient::follow_from(const WebAnswer& start, const std::string& stop_at,
                                 std::vector<std::string>* hops) {
  WebAnswer answer = start;
  for (int hop = 0; hop < 15; ++hop) {
    if (answer.status < 300 || answer.status >= 400 || answer.location().empty()) return answer;
    std::string next = answer.location();
    if (!stop_at.empty() && next.rfind(stop_at, 0) == 0) return answer;
    if (hops) hops->push_back(next);
    answer = get(next);
  }
  ADD_FAILURE() << "more than 15 redirects from " << start.url;
  return answer;
}

std::optional<std::string> WebClient::cookie(const std::string& host,
                                             const std::string& name) const {
  auto site = jar_.find(host);
  if (site == jar_.end()) return std::nullopt;
  for (const auto& [key, cookie] : site->second) {
    if (key.first == name) return cookie.value;
  }
  return std::nullopt;
}

void WebClient::set_cookie(const std::string& host, const std::string& name,
                           const std::string& value) {
  jar_[host][{name, "/"}] = Cookie{.value = value, .path = "/"};
}

void WebClient::keep_cookie(const std::string& host, const std::string& request_path,
                            const std::string& set_cookie) {
  std::stringstream parts(set_cookie);
  std::string part;
  std::getline(parts, part, ';');
  std::size_t eq = part.find('=');
  if (eq == std::string::npos) return;
  std::string name = trim(part.substr(0, eq));
  std::string value = trim(part.substr(eq + 1));
  // The default path: the request path's folder (RFC 6265 5.1.4).
  std::string path = request_path.substr(0, request_path.rfind('/'));
  if (path.empty()) path = "/";
  bool expired = false;
  while (std::getline(parts, part, ';')) {
    std::size_t attr_eq = part.find('=');
    std::string attr = lower(trim(part.substr(0, attr_eq)));
    std::string attr_value = attr_eq == std::string::npos ? "" : trim(part.substr(attr_eq + 1));
    if (attr == "path" && !attr_value.empty() && attr_value[0] == '/') path = attr_value;
    if (attr == "max-age" && !attr_value.empty() && std::stol(attr_value) <= 0) expired = true;
    if (attr == "expires" && attr_value.find("1970") != std::string::npos) expired = true;
  }
  auto& site = jar_[host];
  if (expired) {
    site.erase({name, path});
    return;
  }
  site[{name, path}] = Cookie{.value = value, .path = path};
}

std::string WebClient::cookie_header(const std::string& host, const std::string& path) const {
  auto site = jar_.find(host);
  if (site == jar_.end()) return {};
  std::string header;
  for (const auto& [key, cookie] : site->second) {
    const std::string& prefix = cookie.path;
    bool matches =
        path == prefix ||
        (path.rfind(prefix, 0) == 0 &&
         (prefix.back() == '/' || (path.size() > prefix.size() && path[prefix.size()] == '/')));
    if (!matches) continue;
    if (!header.empty()) header += "; ";
    header += key.first + "=" + cookie.value;
  }
  return header;
}

}  // namespace wasl::testing
