// The join page's routes: the page and its files with the console's headers,
// a Content-Security-Policy whose connect-src names the Janus API origins
// and nothing else, Debian's client libraries served from the paths given,
// and the notification join link route (/join/{code}) left to its owner.
#include "hub/console/join_routes.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hub/console/console_routes.hpp"

namespace wasl::console {
namespace {

class JoinRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "wasl-join-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    write(dir_ / "janus.js", "window.Janus = function Janus() {};\n");
    write(dir_ / "adapter.js", "window.adapter = {};\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  JoinPageOptions options(std::vector<std::string> origins = {}) const {
    JoinPageOptions o;
    o.janus_origins = std::move(origins);
    o.janus_js = (dir_ / "janus.js").string();
    o.adapter_js = (dir_ / "adapter.js").string();
    return o;
  }

  static http::Response get(const http::Router& router, const std::string& path) {
    http::Match match = router.match("GET", path);
    if (match.route == nullptr) return http::Response::text(599, "no route\n");
    http::Request request;
    request.method = "GET";
    request.path_params = match.params;
    return match.route->handler(request);
  }

  static std::string header(const http::Response& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  }

  std::filesystem::path dir_;
};

TEST_F(JoinRoutesTest, ThePageHasTheConsolesHeadersAndMayCallOnlyTheJanusOrigins) {
  http::Router router;
  add_console_routes(router);
  const auto problems =
      add_join_routes(router, options({"https://video.hospital.sa", "http://127.0.0.1:8088"}));
  EXPECT_TRUE(problems.empty());

  const http::Response console_page = get(router, "/console/");
  ASSERT_EQ(console_page.status, 200);
  const http::Response page = get(router, "/join/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(header(page, "Content-Security-Policy"),
            header(console_page, "Content-Security-Policy") +
                "; connect-src https://video.hospital.sa http://127.0.0.1:8088");
  for (const char* name : {"X-Content-Type-Options", "Referrer-Policy", "Cache-Control"}) {
    EXPECT_EQ(header(page, name), header(console_page, name)) << name;
  }
  // Arabic first, and nothing inline for the policy to refuse.
  EXPECT_NE(page.body.find("<html lang=\"ar\" dir=\"rtl\">"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_EQ(page.body.find("style="), std::string::npos);
  for (const char* script : {"assets/adapter.js", "assets/janus.js", "assets/join.js"}) {
    EXPECT_NE(page.body.find(script), std::string::npos) << script;
  }

  const http::Response script = get(router, "/join/assets/join.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(header(script, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(header(script, "Content-Security-Policy"), header(page, "Content-Security-Policy"));
  EXPECT_EQ(get(router, "/join/assets/join.css").status, 200);

  const http::Response redirect = get(router, "/join");
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(header(redirect, "Location"), "/join/");
}

TEST_F(JoinRoutesTest, WithoutJanusInstancesThePageMayCallNothing) {
  http::Router router;
  add_join_routes(router, options());
  EXPECT_EQ(header(get(router, "/join/"), "Content-Security-Policy"),
            "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
            "object-src 'none'; connect-src 'none'");
}

TEST_F(JoinRoutesTest, DebiansLibrariesAreServedFromTheirPaths) {
  http::Router router;
  add_join_routes(router, options());
  const http::Response janus = get(router, "/join/assets/janus.js");
  EXPECT_EQ(janus.status, 200);
  EXPECT_EQ(janus.body, "window.Janus = function Janus() {};\n");
  EXPECT_EQ(header(janus, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(get(router, "/join/assets/adapter.js").body, "window.adapter = {};\n");
  EXPECT_EQ(get(router, "/join/assets/nothing.js").status, 404);
  EXPECT_EQ(get(router, "/join/assets/index.html").status, 200);
}

TEST_F(JoinRoutesTest, AMissingLibraryIsSaidAndAnswers404) {
  std::filesystem::remove(dir_ / "janus.js");
  http::Router router;
  const auto problems = add_join_routes(router, options());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find((dir_ / "janus.js").string()), std::string::npos) << problems[0];
  EXPECT_EQ(get(router, "/join/assets/janus.js").status, 404);
  EXPECT_EQ(get(router, "/join/assets/adapter.js").status, 200);
  EXPECT_EQ(get(router, "/join/").status, 200);
}

TEST_F(JoinRoutesTest, ANotificationsJoinCodeKeepsItsOwnRoute) {
  http::Router router;
  router.add("GET", "/join/{code}",
             [](http::Request&) { return http::Response::text(200, "join link\n"); });
  add_join_routes(router, options());
  EXPECT_EQ(get(router, "/join/Ab3dE").body, "join link\n");
  EXPECT_NE(get(router, "/join/").body.find("<html"), std::string::npos);
  EXPECT_EQ(get(router, "/join/assets/janus.js").status, 200);
}

TEST(CspOrigin, IsTheLowerCasedOriginOfAnHttpUrlOrNothing) {
  EXPECT_EQ(csp_origin("https://Video.Hospital.SA/janus"), "https://video.hospital.sa");
  EXPECT_EQ(csp_origin("http://127.0.0.1:8088/janus"), "http://127.0.0.1:8088");
  EXPECT_EQ(csp_origin("http://[::1]:8088/janus?x=1"), "http://[::1]:8088");
  EXPECT_EQ(csp_origin("https://video.hospital.sa"), "https://video.hospital.sa");
  EXPECT_EQ(csp_origin("wss://video.hospital.sa/janus"), std::nullopt);
  EXPECT_EQ(csp_origin("https:///janus"), std::nullopt);
  EXPECT_EQ(csp_origin("https://user@video.hospital.sa/janus"), std::nullopt);
  // Nothing configured can add a source or a directive to the policy.
  EXPECT_EQ(csp_origin("https://a.sa;script-src *"), std::nullopt);
  EXPECT_EQ(csp_origin("https://a.sa *"), std::nullopt);
  EXPECT_EQ(csp_origin("https://a.sa,b.sa"), std::nullopt);
  EXPECT_EQ(csp_origin("https://'unsafe-inline'"), std::nullopt);
}

}  // namespace
}  // namespace wasl::console
