#include "hub/config/residency.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace wasl::config {
namespace {

// ISO 3166-1 alpha-2: every officially assigned code, in order.
constexpr std::string_view kCountryCodes =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

// AWS Regions by name prefix: the country their data centres are in. A
// prefix ends where the region's number would start ("us-east-" covers
// us-east-1 and us-east-2), or holds the number when the country changes
// with it (eu-west-1 Ireland, eu-west-2 London).
constexpr std::array<std::pair<std::string_view, std::string_view>, 34> kAwsRegions = {{
    {"us-east-", "US"},       {"us-west-", "US"},       {"us-gov-west-", "US"},
    {"us-gov-east-", "US"},   {"ca-central-", "CA"},    {"ca-west-", "CA"},
    {"mx-central-", "MX"},    {"sa-east-", "BR"},       {"eu-west-1", "IE"},
    {"eu-west-2", "GB"},      {"eu-west-3", "FR"},      {"eu-central-1", "DE"},
    {"eu-central-2", "CH"},   {"eu-north-", "SE"},      {"eu-south-1", "IT"},
    {"eu-south-2", "ES"},     {"il-central-", "IL"},    {"me-central-", "AE"},
    {"me-south-", "BH"},      {"af-south-", "ZA"},      {"ap-east-", "HK"},
    {"ap-south-", "IN"},      {"ap-northeast-1", "JP"}, {"ap-northeast-3", "JP"},
    {"ap-northeast-2", "KR"}, {"ap-southeast-1", "SG"}, {"ap-southeast-2", "AU"},
    {"ap-southeast-4", "AU"}, {"ap-southeast-3", "ID"}, {"ap-southeast-5", "MY"},
    {"ap-southeast-7", "TH"}, {"ap-east-2", "TW"},      {"cn-north-", "CN"},
    {"cn-northwest-", "CN"},
}};

// The host of an http(s) URL, lower case; empty when `url` is not one.
std::string host_of(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') return std::string(rest.substr(0, rest.find(']') + 1));
  rest = rest.substr(0, rest.find(':'));
  std::string host(rest);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// A setting's value as it may be shown: a value that came from a secret
// (${env:…}, ${file:…}) is not printed.
std::string shown(const InstanceConfig& instance, const std::string& value) {
  const auto& secrets = instance.secret_values;
  if (std::find(secrets.begin(), secrets.end(), value) != secrets.end()) return "(a secret)";
  return value;
}

std::string text_setting(const InstanceConfig& instance, const char* key,
                         const std::string& fallback) {
  const auto it = instance.settings.find(key);
  if (it == instance.settings.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

Residency unknown(std::string basis) {
  return Residency{std::string(kUnknownResidency), std::move(basis)};
}

// Chime: the control plane's region (the meetings, their attendees and the
// capture pipelines) and the media region, when set, must be in one country.
Residency chime_residency(const InstanceConfig& instance) {
  const std::string region = text_setting(instance, "region", "us-east-1");
  const std::string media = text_setting(instance, "media_region", "");
  const std::string country = aws_region_country(region);
  if (country.empty()) {
    return unknown("settings.region " + shown(instance, region) + " is not an AWS Region known " +
                   "here; declare residency");
  }
  if (!media.empty() && aws_region_country(media) != country) {
    return unknown("settings.region " + shown(instance, region) + " and settings.media_region " +
                   shown(instance, media) + " are not in one country; declare residency");
  }
  std::string basis = "settings.region " + shown(instance, region);
  if (!media.empty()) basis += ", settings.media_region " + shown(instance, media);
  return Residency{country, basis};
}

// Twilio: the REST host names the region (video.twilio.com is US1;
// video.<edge>.<region>.twilio.com another).
Residency twilio_residency(const InstanceConfig& instance) {
  const std::string url = text_setting(instance, "base_url", "https://video.twilio.com");
  const std::string host = host_of(url);
  if (host == "video.twilio.com") {
    return Residency{"US", "settings.base_url " + shown(instance, url) + " (Twilio region us1)"};
  }
  if (ends_with(host, ".twilio.com")) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kRegions = {{
        {"us1", "US"},
        {"us2", "US"},
        {"ie1", "IE"},
        {"de1", "DE"},
        {"au1", "AU"},
        {"jp1", "JP"},
        {"sg1", "SG"},
        {"br1", "BR"},
    }};
    for (const auto& [region, country] : kRegions) {
      if (host.find("." + std::string(region) + ".") != std::string::npos) {
        return Residency{std::string(country), "settings.base_url " + shown(instance, url) +
                                                   " (Twilio region " + std::string(region) + ")"};
      }
    }
  }
  return unknown("settings.base_url " + shown(instance, url) +
                 " names no Twilio region known here; declare residency");
}

}  // namespace

bool is_country_code(std::string_view code) {
  if (code.size() != 2) return false;
  for (std::size_t at = 0; at < kCountryCodes.size(); at += 3) {
    if (kCountryCodes.substr(at, 2) == code) return true;
  }
  return false;
}

std::string aws_region_country(std::string_view region) {
  for (const auto& [prefix, country] : kAwsRegions) {
    if (region.substr(0, prefix.size()) != prefix) continue;
    // What follows the prefix is the region's number (or, for a prefix that
    // already holds one, nothing).
    const std::string_view rest = region.substr(prefix.size());
    const bool numbered = prefix.back() >= '0' && prefix.back() <= '9';
    if (numbered ? rest.empty()
                 : !rest.empty() && std::all_of(rest.begin(), rest.end(),
                                                [](char c) { return c >= '0' && c <= '9'; })) {
      return std::string(country);
    }
  }
  return {};
}

Residency instance_residency(const InstanceConfig& instance) {
  if (!instance.residency.empty()) return Residency{instance.residency, "declared"};
  if (instance.plugin == "chime") return chime_residency(instance);
  if (instance.plugin == "twilio") return twilio_residency(instance);
  return unknown("not declared, and the " + instance.plugin +
                 " plugin's settings do not say; declare residency");
}

Residency store_residency(const ObjectStoreConfig& store) {
  if (!store.residency.empty()) return Residency{store.residency, "declared"};
  const std::string host = host_of(store.endpoint);
  if (ends_with(host, ".amazonaws.com")) {
    const std::string country = aws_region_country(store.region);
    if (!country.empty()) return Residency{country, "region " + store.region};
  }
  return unknown("endpoint " + host + " is not Amazon S3's; declare residency");
}

Residency archive_residency(const ArchiveConfig& archive) {
  if (archive.store != "local") {
    const auto it = archive.stores.find(archive.store);
    if (it != archive.stores.end()) return store_residency(it->second);
    return unknown("archive.store names no store");
  }
  if (!archive.residency.empty()) return Residency{archive.residency, "declared"};
  return unknown("archive.root is on the hub's own disk; declare archive.residency");
}

bool meets(const std::vector<std::string>& required, const Residency& residency) {
  if (required.empty()) return true;
  return std::find(required.begin(), required.end(), residency.country) != required.end();
}

std::vector<DataPath> facility_data_paths(const FacilityConfig& facility) {
  std::vector<DataPath> paths;
  for (const auto& [role, instance] : facility.bindings) {
    paths.push_back(DataPath{role, "bindings." + role, instance});
  }
  if (const auto& n = facility.notifications) {
    if (!n->email.empty()) paths.push_back(DataPath{"notify", "notifications.email", n->email});
    if (!n->sms.empty()) paths.push_back(DataPath{"notify", "notifications.sms", n->sms});
  }
  return paths;
}

std::string archive_exception_name(const ArchiveConfig& archive) {
  return "archive." + archive.store;
}

const FacilityResidencyExceptionConfig* residency_exception(const FacilityConfig& facility,
                                                            std::string_view instance) {
  for (const auto& exception : facility.residency_exceptions) {
    if (exception.instance == instance) return &exception;
  }
  return nullptr;
}

}  // namespace wasl::config
