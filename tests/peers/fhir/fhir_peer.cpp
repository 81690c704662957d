#include "tests/peers/fhir/fhir_peer.hpp"

namespace wasl::testing {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

sdk::Status ok_or_error(const sdk::Result<nlohmann::json>& answer) {
  if (!answer.ok()) return answer.error();
  return sdk::ok_status();
}

}  // namespace

sdk::Result<std::unique_ptr<FhirPeer>> FhirPeer::start(FhirPeerOptions options) {
  PeerOptions process = options.process;
  std::vector<std::string> args = {
      "--auth",           options.auth,
      "--client-id",      options.client_id,
      "--token-lifetime", std::to_string(options.token_lifetime_seconds),
      "--base-path",      options.base_path,
      "--fhir-version",   options.fhir_version,
      "--examples-dir",   std::string(WASL_SHARED_DATA_DIR) + "/fhir"};
  if (!options.public_key_file.empty()) {
    args.insert(args.end(), {"--public-key-file", options.public_key_file});
  }
  if (!options.bearer_token.empty()) {
    args.insert(args.end(), {"--bearer-token", options.bearer_token});
  }
  if (!options.basic_user.empty()) args.insert(args.end(), {"--basic-user", options.basic_user});
  if (!options.basic_password.empty()) {
    args.insert(args.end(), {"--basic-password", options.basic_password});
  }
  if (!options.seed.empty()) args.insert(args.end(), {"--seed", joined(options.seed)});
  process.args.insert(process.args.begin(), args.begin(), args.end());
  WASL_ASSIGN_OR_RETURN(auto started, PeerProcess::start("fhir", std::move(process)));
  return std::unique_ptr<FhirPeer>(new FhirPeer(std::move(started), options.base_path));
}

sdk::Result<nlohmann::json> FhirPeer::seed(const std::vector<std::string>& fixtures,
                                           const nlohmann::json& resources) const {
  return process_->post("/_peer/seed", {{"fixtures", fixtures}, {"resources", resources}});
}

sdk::Result<std::vector<nlohmann::json>> FhirPeer::resources(const std::string& type) const {
  WASL_ASSIGN_OR_RETURN(auto answer, process_->get("/_peer/resources/" + type));
  return answer["resources"].get<std::vector<nlohmann::json>>();
}

sdk::Result<nlohmann::json> FhirPeer::read(const std::string& reference) const {
  auto slash = reference.find('/');
  if (slash == std::string::npos) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "a reference is Type/id, got " + reference);
  }
  WASL_ASSIGN_OR_RETURN(auto all, resources(reference.substr(0, slash)));
  for (auto& resource : all) {
    if (resource.value("id", "") == reference.substr(slash + 1)) return resource;
  }
  return sdk::Error(sdk::ErrorCode::kNotFound, reference + " is not on the FHIR peer");
}

sdk::Status FhirPeer::subscribe(const std::string& id, const std::string& endpoint,
                                const std::string& header, const std::string& criteria) const {
  nlohmann::json subscription = {{"resourceType", "Subscription"},
                                 {"id", id},
                                 {"status", "active"},
                                 {"reason", "Wasl test subscription"},
                                 {"criteria", criteria},
                                 {"channel",
                                  {{"type", "rest-hook"},
                                   {"endpoint", endpoint},
                                   {"payload", "application/fhir+json"},
                                   {"header", nlohmann::json::array({header})}}}};
  return ok_or_error(seed({}, nlohmann::json::array({subscription})));
}

sdk::Status FhirPeer::notify(const std::string& subscription_id, const nlohmann::json& what) const {
  nlohmann::json body = {{"subscription", subscription_id}};
  body[what.is_string() ? "reference" : "resource"] = what;
  return ok_or_error(process_->post("/_peer/notify", body));
}

sdk::Status FhirPeer::fault(const nlohmann::json& rules) const {
  return ok_or_error(process_->post("/_peer/faults", rules));
}

sdk::Status FhirPeer::configure_auth(const nlohmann::json& settings) const {
  return ok_or_error(process_->post("/_peer/auth", settings));
}

sdk::Status FhirPeer::register_client(const std::string& client_id,
                                      const std::string& public_key_pem) const {
  return configure_auth({{"clientId", client_id}, {"publicKeyPem", public_key_pem}});
}

sdk::Result<int> FhirPeer::expire_tokens() const {
  WASL_ASSIGN_OR_RETURN(auto answer, process_->post("/_peer/tokens/expire"));
  return answer.value("expired", 0);
}

sdk::Result<std::vector<nlohmann::json>> FhirPeer::notifications() const {
  WASL_ASSIGN_OR_RETURN(auto answer, process_->get("/_peer/received/notifications"));
  return answer["records"].get<std::vector<nlohmann::json>>();
}

sdk::Result<std::vector<nlohmann::json>> FhirPeer::faulted() const {
  WASL_ASSIGN_OR_RETURN(auto answer, process_->get("/_peer/received/faulted"));
  return answer["records"].get<std::vector<nlohmann::json>>();
}

sdk::Result<nlohmann::json> FhirPeer::effects() const { return process_->get("/_peer/effects"); }

sdk::Status FhirPeer::reset() const { return ok_or_error(process_->post("/_peer/reset")); }

}  // namespace wasl::testing
