// Residency: what an instance's settings say of where it processes data,
// and the loader refusing a facility bound outside its requirement, naming
// the binding and the instance with file:line, unless an approved exception
// names the instance.
#include "hub/config/residency.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/config/loader.hpp"

namespace wasl::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> residency_problems(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& p : result.problems) out.push_back(p.to_string());
  return out;
}

InstanceConfig instance(std::string plugin, nlohmann::json settings = nlohmann::json::object()) {
  InstanceConfig i;
  i.name = "video.x";
  i.plugin = std::move(plugin);
  i.settings = std::move(settings);
  return i;
}

TEST(Residency, CountryCodesAreIso3166Alpha2) {
  for (const char* code : {"SA", "AE", "US", "IE", "AD", "ZW", "BH"}) {
    EXPECT_TRUE(is_country_code(code)) << code;
  }
  for (const char* code : {"", "sa", "S", "SAU", "XX", "UK", "EU", "ZZ"}) {
    EXPECT_FALSE(is_country_code(code)) << code;
  }
}

TEST(Residency, AwsRegionsMapToTheirCountry) {
  EXPECT_EQ(aws_region_country("me-central-1"), "AE");
  EXPECT_EQ(aws_region_country("me-south-1"), "BH");
  EXPECT_EQ(aws_region_country("us-east-1"), "US");
  EXPECT_EQ(aws_region_country("us-gov-west-1"), "US");
  EXPECT_EQ(aws_region_country("eu-west-1"), "IE");
  EXPECT_EQ(aws_region_country("eu-west-2"), "GB");
  EXPECT_EQ(aws_region_country("eu-central-1"), "DE");
  EXPECT_EQ(aws_region_country("ap-northeast-2"), "KR");
  EXPECT_EQ(aws_region_country("il-central-1"), "IL");
  // Not a region this table knows, or a known one's name made longer.
  EXPECT_EQ(aws_region_country("xx-east-1"), "");
  EXPECT_EQ(aws_region_country("eu-west-10"), "");
  EXPECT_EQ(aws_region_country("us-east-"), "");
  EXPECT_EQ(aws_region_country("me-central-1x"), "");
}

TEST(Residency, ChimeIsItsRegionsCountry) {
  Residency r = instance_residency(instance("chime"));
  EXPECT_EQ(r.country, "US");  // the schema's default region, us-east-1
  EXPECT_EQ(r.basis, "settings.region us-east-1");
  r = instance_residency(instance("chime", {{"region", "me-central-1"}}));
  EXPECT_EQ(r.country, "AE");
  r = instance_residency(
      instance("chime", {{"region", "me-central-1"}, {"media_region", "me-central-1"}}));
  EXPECT_EQ(r.country, "AE");
  // Media in another country than the meetings: no one country.
  r = instance_residency(
      instance("chime", {{"region", "me-central-1"}, {"media_region", "eu-central-1"}}));
  EXPECT_FALSE(r.known());
  EXPECT_THAT(r.basis, HasSubstr("not in one country"));
  r = instance_residency(instance("chime", {{"region", "xx-south-9"}}));
  EXPECT_FALSE(r.known());
}

TEST(Residency, ARegionFromASecretIsNotShown) {
  InstanceConfig i = instance("chime", {{"region", "eu-west-1"}});
  i.secret_values = {"eu-west-1"};
  Residency r = instance_residency(i);
  EXPECT_EQ(r.country, "IE");
  EXPECT_EQ(r.basis.find("eu-west-1"), std::string::npos) << r.basis;
}

TEST(Residency, TwilioIsItsRestRegion) {
  EXPECT_EQ(instance_residency(instance("twilio")).country, "US");
  EXPECT_EQ(
      instance_residency(instance("twilio", {{"base_url", "https://video.dublin.ie1.twilio.com"}}))
          .country,
      "IE");
  EXPECT_FALSE(
      instance_residency(instance("twilio", {{"base_url", "http://127.0.0.1:4010"}})).known());
}

TEST(Residency, DeclaredWinsAndOtherwiseUnknown) {
  InstanceConfig chime = instance("chime", {{"region", "us-east-1"}});
  chime.residency = "SA";
  EXPECT_EQ(instance_residency(chime).country, "SA");
  EXPECT_EQ(instance_residency(chime).basis, "declared");
  Residency janus = instance_residency(instance("janus"));
  EXPECT_EQ(janus.country, kUnknownResidency);
  EXPECT_FALSE(meets({"SA"}, janus));
  EXPECT_TRUE(meets({}, janus));
}

TEST(Residency, ArchiveStoresByDeclarationOrAmazonRegion) {
  ArchiveConfig archive;
  EXPECT_FALSE(archive_residency(archive).known());
  archive.residency = "SA";
  EXPECT_EQ(archive_residency(archive).country, "SA");
  ObjectStoreConfig s3;
  s3.endpoint = "https://s3.me-central-1.amazonaws.com";
  s3.region = "me-central-1";
  archive.stores["s3"] = s3;
  archive.store = "s3";
  EXPECT_EQ(archive_residency(archive).country, "AE");
  ObjectStoreConfig ceph;
  ceph.endpoint = "https://rgw.hospital.sa";
  archive.stores["ceph"] = ceph;
  archive.store = "ceph";
  EXPECT_FALSE(archive_residency(archive).known());
  archive.stores["ceph"].residency = "SA";
  EXPECT_EQ(archive_residency(archive).country, "SA");
}

// The document of the case: a facility requiring SA whose video is
// a Chime instance in us-east-1. `exception` is added under the facility;
// the recordings are kept in SA.
std::string document(const std::string& exception = "") {
  return "plugins:\n"                       // 1
         "  files:\n"                       // 2
         "    - name: chime\n"              // 3
         "      file: libwasl_chime.so\n"   // 4
         "    - name: janus\n"              // 5
         "      file: libwasl_janus.so\n"   // 6
         "instances:\n"                     // 7
         "  video.chime-main:\n"            // 8
         "    plugin: chime\n"              // 9
         "    settings:\n"                  // 10
         "      region: us-east-1\n"        // 11
         "  video.janus-ksa:\n"             // 12
         "    plugin: janus\n"              // 13
         "    residency: SA\n"              // 14
         "facilities:\n"                    // 15
         "  riyadh:\n"                      // 16
         "    residency: [SA]\n"            // 17
         "    bindings:\n"                  // 18
         "      video: video.chime-main\n"  // 19
         + exception +                      // 20…
         "archive:\n"
         "  residency: SA\n";
}

TEST(ResidencyCheck, ABindingOutsideTheRequirementNamesTheFacilityAndTheInstance) {
  const auto result = load_text(document(), "wasl.yaml");
  EXPECT_THAT(residency_problems(result),
              ElementsAre("wasl.yaml:19: facilities.riyadh.bindings.video: facility riyadh "
                          "requires residency [SA] (wasl.yaml:17) but is bound to instance "
                          "video.chime-main (wasl.yaml:8), which processes data in US "
                          "(settings.region us-east-1); bind an instance in [SA], or record an "
                          "approved exception for video.chime-main in "
                          "facilities.riyadh.residency_exceptions"));
}

TEST(ResidencyCheck, AnApprovedExceptionLetsItPass) {
  const auto result = load_text(document("    residency_exceptions:\n"
                                         "      - instance: video.chime-main\n"
                                         "        reference: DPO-2026-014\n"
                                         "        approved: 2026-11-20\n"),
                                "wasl.yaml");
  ASSERT_THAT(residency_problems(result), IsEmpty());
  const FacilityConfig& riyadh = result.config.facilities.at("riyadh");
  EXPECT_EQ(riyadh.residency, std::vector<std::string>{"SA"});
  ASSERT_EQ(riyadh.residency_exceptions.size(), 1u);
  EXPECT_EQ(riyadh.residency_exceptions[0].instance, "video.chime-main");
  EXPECT_EQ(riyadh.residency_exceptions[0].reference, "DPO-2026-014");
  EXPECT_EQ(riyadh.residency_exceptions[0].approved, "2026-11-20");
  EXPECT_EQ(riyadh.residency_exceptions[0].line, 21);
}

TEST(ResidencyCheck, AnInstanceInsideTheRequirementPasses) {
  std::string text = document();
  text.replace(text.find("video: video.chime-main"), 23, "video: video.janus-ksa");
  EXPECT_THAT(residency_problems(load_text(text, "wasl.yaml")), IsEmpty());
}

TEST(ResidencyCheck, UnknownResidencyFailsTheRequirement) {
  std::string text = document();
  text.replace(text.find("    residency: SA\n"), 18, "");
  text.replace(text.find("video: video.chime-main"), 23, "video: video.janus-ksa");
  const auto all = residency_problems(load_text(text, "wasl.yaml"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_THAT(all[0], HasSubstr("wasl.yaml:18: facilities.riyadh.bindings.video:"));
  EXPECT_THAT(all[0], HasSubstr("instance video.janus-ksa (wasl.yaml:12), which has unknown "
                                "residency (not declared"));
}

TEST(ResidencyCheck, NotificationChannelsCountToo) {
  const std::string text =
      "plugins:\n"                      // 1
      "  files:\n"                      // 2
      "    - name: janus\n"             // 3
      "      file: libwasl_janus.so\n"  // 4
      "    - name: sms\n"               // 5
      "      file: libwasl_sms.so\n"    // 6
      "instances:\n"                    // 7
      "  video.janus-ksa:\n"            // 8
      "    plugin: janus\n"             // 9
      "    residency: SA\n"             // 10
      "  notify.sms-gw:\n"              // 11
      "    plugin: sms\n"               // 12
      "facilities:\n"                   // 13
      "  riyadh:\n"                     // 14
      "    residency: [SA]\n"           // 15
      "    bindings:\n"                 // 16
      "      video: video.janus-ksa\n"  // 17
      "    notifications:\n"            // 18
      "      sms: notify.sms-gw\n"      // 19
      "archive:\n"                      // 20
      "  residency: SA\n";              // 21
  const auto all = residency_problems(load_text(text, "wasl.yaml"));
  ASSERT_EQ(all.size(), 1u) << ::testing::PrintToString(all);
  EXPECT_THAT(all[0], HasSubstr("wasl.yaml:19: facilities.riyadh.notifications.sms: facility "
                                "riyadh requires residency [SA] (wasl.yaml:15) but is bound to "
                                "instance notify.sms-gw (wasl.yaml:11), which has unknown "
                                "residency"));
}

TEST(ResidencyCheck, ExceptionsMustNameABoundInstanceOfAFacilityWithARequirement) {
  auto all = residency_problems(load_text(document("    residency_exceptions:\n"
                                                   "      - instance: video.janus-ksa\n"
                                                   "        reference: DPO-1\n"
                                                   "        approved: 2026-02-30\n"
                                                   "      - reference: \"\"\n"),
                                          "wasl.yaml"));
  EXPECT_THAT(all, ::testing::Contains(HasSubstr(
                       "wasl.yaml:19: facilities.riyadh.bindings.video: facility riyadh")));
  EXPECT_THAT(all, ::testing::Contains(
                       "wasl.yaml:21: facilities.riyadh.residency_exceptions[0].instance: "
                       "instance video.janus-ksa is not bound by facility riyadh (bindings, "
                       "notifications) nor the archive's active store (archive.local)"));
  EXPECT_THAT(
      all, ::testing::Contains(HasSubstr("wasl.yaml:23: facilities.riyadh.residency_exceptions[0]."
                                         "approved: expected a date YYYY-MM-DD")));
  EXPECT_THAT(all, ::testing::Contains(HasSubstr(
                       "facilities.riyadh.residency_exceptions[1].reference: expected 1-128")));
  EXPECT_THAT(all, ::testing::Contains(
                       HasSubstr("facilities.riyadh.residency_exceptions[1].instance: required")));

  std::string text = document(
      "    residency_exceptions:\n"
      "      - instance: video.chime-main\n"
      "        reference: DPO-2026-014\n"
      "        approved: 2026-11-20\n");
  text.replace(text.find("    residency: [SA]\n"), 20, "");
  all = residency_problems(load_text(text, "wasl.yaml"));
  EXPECT_THAT(all, ElementsAre("wasl.yaml:20: facilities.riyadh.residency_exceptions[0]: an "
                               "exception to no requirement: facilities.riyadh.residency is "
                               "not set"));
}

TEST(ResidencyCheck, TheRecordingsArchiveCountsToo) {
  std::string text = document();
  text.replace(text.find("video: video.chime-main"), 23, "video: video.janus-ksa");
  text.replace(text.find("archive:\n  residency: SA\n"), 25,
               "archive:\n  store: s3\n  stores:\n    s3:\n"
               "      endpoint: https://s3.eu-west-1.amazonaws.com\n"
               "      region: eu-west-1\n      bucket: recordings\n"
               "      access_key_id: AKIDEXAMPLE\n      secret_access_key: x\n");
  EXPECT_THAT(residency_problems(load_text(text, "wasl.yaml")),
              ElementsAre("wasl.yaml:17: facilities.riyadh.residency: facility riyadh requires "
                          "residency [SA] but the recordings' archive archive.s3 (wasl.yaml:21) "
                          "keeps recordings in IE (region eu-west-1); declare or choose a store "
                          "in [SA], or record an approved exception for archive.s3 in "
                          "facilities.riyadh.residency_exceptions"));
  text.insert(text.find("archive:"),
              "    residency_exceptions:\n"
              "      - instance: archive.s3\n"
              "        reference: DPO-2026-020\n"
              "        approved: 2026-11-22\n");
  EXPECT_THAT(residency_problems(load_text(text, "wasl.yaml")), IsEmpty());
  // The local store with no declared residency is unknown.
  text = document();
  text.replace(text.find("video: video.chime-main"), 23, "video: video.janus-ksa");
  text.replace(text.find("archive:\n  residency: SA\n"), 25, "");
  const auto all = residency_problems(load_text(text, "wasl.yaml"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_THAT(all[0], HasSubstr("the recordings' archive archive.local has unknown "
                                "residency (archive.root is on the hub's own disk"));
}

TEST(ResidencyCheck, CountriesAreCheckedCodes) {
  std::string text = document();
  text.replace(text.find("    residency: [SA]\n"), 20, "    residency: [SA, KSA, SA]\n");
  text.replace(text.find("    residency: SA\n"), 18, "    residency: Saudi\n");
  const auto all = residency_problems(load_text(text, "wasl.yaml"));
  EXPECT_THAT(all, ::testing::Contains(HasSubstr("wasl.yaml:14: instances.video.janus-ksa."
                                                 "residency: expected an ISO 3166-1 alpha-2")));
  EXPECT_THAT(all, ::testing::Contains(HasSubstr(
                       "wasl.yaml:17: facilities.riyadh.residency[1]: expected an ISO 3166-1")));
  EXPECT_THAT(
      all, ::testing::Contains("wasl.yaml:17: facilities.riyadh.residency[2]: SA is listed twice"));
}

}  // namespace
}  // namespace wasl::config
