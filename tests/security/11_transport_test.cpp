// Point 11: PHI and credentials go to the EHR and the ministry over TLS. The
// suite's own hub talks plain http to its loopback peers (allowed); its
// configuration with the shared ehr.fhir or reporting.moh instance pointed
// at plain http on another host does not pass `wasl check`, which names the
// instance at its file:line.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/integration/hub_process.hpp"
#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Transport, PlainHttpToANonLoopbackEhrOrMinistryIsAConfigurationError) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());  // its peers are loopback http: accepted
  const std::string config = read_file(s.hub().config_path());
  ASSERT_NE(config.find("http://127.0.0.1:"), std::string::npos);

  // Every loopback FHIR and MOH base URL moved to another host, still http.
  const std::string moved =
      std::regex_replace(config, std::regex(R"(("base_url":")http://127\.0\.0\.1:[0-9]+/fhir)"),
                         "$1http://ehr.example.org/fhir");
  ASSERT_NE(moved, config);
  const std::string path = s.hub().config_path() + ".http.yaml";
  {
    std::ofstream out(path);
    out << moved;
  }
  CommandResult r = run_wasl({"check", "--config", path});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // path:LINE: instances.<name>: … <plugin> settings: base_url must be https://
  auto reported = [&](const std::string& instance, const std::string& plugin) {
    const std::regex line(R"((^|\n)[^\n]*\.http\.yaml:[0-9]+: instances\.)" + instance +
                          R"(: [^\n]*)" + plugin + " settings: base_url must be https://");
    return std::regex_search(r.err, line);
  };
  EXPECT_TRUE(reported(R"(ehr\.fhir)", "FHIR")) << r.err;
  EXPECT_TRUE(reported(R"(reporting\.moh)", "MOH")) << r.err;
}

}  // namespace
}  // namespace wasl::testing
