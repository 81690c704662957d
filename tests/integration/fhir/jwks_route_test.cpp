// GET /.well-known/jwks.json over real HTTP, built from libwasl_fhir.so and a
// plugin built for SDK 1.6 loaded through the hub's PluginHost. The FHIR peer
// (a real SMART token endpoint, jose underneath) is given the served set as
// the client's registered keys, as an EHR that registered the hub by its
// JWKS URL holds it; the plugin's client assertions must then verify against
// it: the current key's, and during a rotation's overlap the previous key's.
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "hub/api/well_known.hpp"
#include "hub/http/server.hpp"
#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"

namespace wasl {
namespace {

using nlohmann::json;
using testing::FhirPeer;

struct KeyPair {
  std::string public_pem;
  std::string private_pem;
};

KeyPair rsa_key() {
  Poco::Crypto::RSAKey key(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
  std::ostringstream pub, priv;
  key.save(&pub, &priv);
  return {pub.str(), priv.str()};
}

KeyPair ec_key() {
  Poco::Crypto::ECKey key("secp384r1");
  std::ostringstream pub, priv;
  key.save(&pub, &priv);
  return {pub.str(), priv.str()};
}

struct Reply {
  int status = 0;
  std::string body, content_type, cache_control;
};

class JwksRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto peer = FhirPeer::start();
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
    config_.source_file = "wasl.yaml";
    config_.plugins.files = {
        {"fhir", WASL_FHIR_PLUGIN_FILE, "", 1},
        {"abi_1_6_ehr",
         (std::filesystem::path(WASL_PLUGIN_ABI_DIR) / "libwasl_abi_1_6_ehr.so").string(), "", 2}};
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  json smart(const KeyPair& key, const std::string& kid, json extra = json::object()) const {
    json settings = {{"base_url", peer_->base_url()},
                     {"auth", "smart"},
                     {"client_id", "wasl-hub"},
                     {"private_key", key.private_pem},
                     {"key_id", kid}};
    settings.update(extra);
    return settings;
  }

  void add(const std::string& name, const std::string& plugin, json settings, int line) {
    config::InstanceConfig instance;
    instance.name = name;
    instance.plugin = plugin;
    instance.settings = std::move(settings);
    instance.line = line;
    config_.instances[name] = instance;
  }

  std::unique_ptr<plugin_host::PluginHost> load() {
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    auto host = plugin_host::PluginHost::load(config_, metrics_, options);
    EXPECT_TRUE(host.ok()) << host.error().message;
    return host.ok() ? std::move(host).value() : nullptr;
  }

  // Publishes what `plugins` sign with and serves the route.
  api::JwksBuild serve(const plugin_host::PluginHost& plugins) {
    api::JwksBuild built = api::build_jwks(plugins, {});
    publisher_.replace(built.set);
    context_.jwks = &publisher_;
    api::add_well_known_routes(router_, context_);
    http::ServerSettings settings;
    settings.host = "127.0.0.1";
    settings.port = 0;
    settings.max_threads = 4;
    server_ = std::make_unique<http::Server>(settings, router_, metrics_);
    EXPECT_TRUE(server_->start().ok());
    return built;
  }

  Reply get(const std::string& target) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Reply r;
    r.status = response.getStatus();
    Poco::StreamCopier::copyToString(in, r.body);
    r.content_type = response.getContentType();
    r.cache_control = response.get("Cache-Control", "");
    return r;
  }

  // A SMART read through `plugins`' instance `name`: the peer verified its
  // client assertion against the keys it holds.
  sdk::Status read_with(const plugin_host::PluginHost& plugins, const std::string& name) {
    WASL_ASSIGN_OR_RETURN(auto ehr, plugins.ehr(name));
    WASL_ASSIGN_OR_RETURN(auto patient, ehr->read_patient({"fatimah-alzahrani"}));
    (void)patient;
    return {};
  }

  std::unique_ptr<FhirPeer> peer_;
  config::Config config_;
  observability::Metrics metrics_;
  plugin_host::InMemoryStateStore state_;
  http::Router router_;
  api::ApiContext context_;
  api::JwksPublisher publisher_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(JwksRouteTest, TheFhirKeyIsServedAndTheEhrVerifiesTheHubsAssertionsWithIt) {
  const KeyPair key = ec_key();
  // The instance checks the server's FHIR version at start, with a token:
  // the peer knows the key by its PEM for that.
  ASSERT_TRUE(peer_->register_client("wasl-hub", key.public_pem).ok());
  ASSERT_TRUE(peer_->configure_auth({{"mode", "smart"}}).ok());
  add("ehr.fhir-test", "fhir", smart(key, "wasl-2026-11"), 40);
  add("ehr.old", "abi_1_6_ehr", json::object(), 50);
  auto plugins = load();
  ASSERT_TRUE(plugins);
  api::JwksBuild built = serve(*plugins);
  EXPECT_TRUE(built.problems.empty());

  Reply r = get("/.well-known/jwks.json");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/jwk-set+json");
  EXPECT_EQ(r.cache_control, "max-age=300");
  json set = json::parse(r.body);
  // The FHIR instance's key alone: the 1.6 plugin contributes nothing (it
  // would answer a key of kid "asked-a-1.6-plugin" if it were asked).
  ASSERT_EQ(set["keys"].size(), 1u) << r.body;
  const json& jwk = set["keys"][0];
  EXPECT_EQ(jwk["kid"], "wasl-2026-11");
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["alg"], "ES384");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["crv"], "P-384");
  EXPECT_FALSE(jwk.contains("d"));
  // ...and breaks nothing: it is served as before.
  auto old = plugins->ehr("ehr.old");
  ASSERT_TRUE(old.ok());
  auto patient = (*old)->read_patient({"p-1"});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->id, "p-1");

  // An EHR holding another key refuses the assertion: the check can fail.
  // (Tokens are expired each time, so every read needs a new assertion.)
  ASSERT_TRUE(peer_->register_client("wasl-hub", ec_key().public_pem).ok());
  ASSERT_TRUE(peer_->expire_tokens().ok());
  sdk::Status refused = read_with(*plugins, "ehr.fhir-test");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated) << refused.error().message;

  // The EHR takes the served set as the client's keys.
  ASSERT_TRUE(peer_->configure_auth({{"clientId", "wasl-hub"}, {"jwks", set}}).ok());
  ASSERT_TRUE(peer_->expire_tokens().ok());
  sdk::Status read = read_with(*plugins, "ehr.fhir-test");
  EXPECT_TRUE(read.ok()) << read.error().message;
}

TEST_F(JwksRouteTest, DuringARotationThePreviousKeyIsServedBesideTheCurrent) {
  const KeyPair old_key = rsa_key();
  const KeyPair new_key = ec_key();
  ASSERT_TRUE(peer_->configure_auth({{"mode", "smart"}}).ok());
  ASSERT_TRUE(peer_->register_client("wasl-hub", new_key.public_pem).ok());  // for its start
  // The rotated instance: the new key, the old one kept for the overlap.
  add("ehr.fhir-test", "fhir",
      smart(new_key, "wasl-2026-11",
            {{"previous_public_keys",
              {{{"kid", "wasl-2026-05"}, {"public_key", old_key.public_pem}}}}}),
      40);
  auto plugins = load();
  ASSERT_TRUE(plugins);
  serve(*plugins);
  Reply r = get("/.well-known/jwks.json");
  ASSERT_EQ(r.status, 200) << r.body;
  json set = json::parse(r.body);
  ASSERT_EQ(set["keys"].size(), 2u) << r.body;
  EXPECT_EQ(set["keys"][0]["kid"], "wasl-2026-11");
  EXPECT_EQ(set["keys"][1]["kid"], "wasl-2026-05");
  EXPECT_EQ(set["keys"][1]["alg"], "RS384");

  // A hub not yet rotated, still signing with the old key.
  ASSERT_TRUE(peer_->register_client("wasl-hub", old_key.public_pem).ok());  // for its start
  config_.instances.clear();
  add("ehr.before", "fhir", smart(old_key, "wasl-2026-05"), 60);
  auto before = load();
  ASSERT_TRUE(before);

  // Both get through with the one set the EHR fetched.
  ASSERT_TRUE(peer_->configure_auth({{"clientId", "wasl-hub"}, {"jwks", set}}).ok());
  ASSERT_TRUE(peer_->expire_tokens().ok());
  sdk::Status old_read = read_with(*before, "ehr.before");
  EXPECT_TRUE(old_read.ok()) << old_read.error().message;
  sdk::Status new_read = read_with(*plugins, "ehr.fhir-test");
  EXPECT_TRUE(new_read.ok()) << new_read.error().message;

  // After the overlap the old key is removed from the set; the EHR that
  // fetches it again refuses the old key's assertions.
  json current_only = {{"keys", json::array({set["keys"][0]})}};
  ASSERT_TRUE(peer_->configure_auth({{"clientId", "wasl-hub"}, {"jwks", current_only}}).ok());
  ASSERT_TRUE(peer_->expire_tokens().ok());  // so the next read needs a new assertion
  sdk::Status stale = read_with(*before, "ehr.before");
  EXPECT_FALSE(stale.ok());
  sdk::Status current = read_with(*plugins, "ehr.fhir-test");
  EXPECT_TRUE(current.ok()) << current.error().message;
}

TEST_F(JwksRouteTest, AKidTwoInstancesClaimIsPublishedOnceAndReportedWithItsLine) {
  // Unreachable EHRs: the instances start all the same (the version check
  // is retried later), and publish their keys.
  json a = smart(ec_key(), "shared-kid");
  json b = smart(ec_key(), "shared-kid");
  a["base_url"] = b["base_url"] = "http://127.0.0.1:9/fhir";
  add("ehr.a", "fhir", a, 40);
  add("ehr.b", "fhir", b, 70);
  auto plugins = load();
  ASSERT_TRUE(plugins);
  api::JwksBuild built = serve(*plugins);
  ASSERT_EQ(built.problems.size(), 1u);
  EXPECT_EQ(api::located(config_, built.problems[0]).rfind("wasl.yaml:70: instances.ehr.b: ", 0),
            0u)
      << api::located(config_, built.problems[0]);
  json set = json::parse(get("/.well-known/jwks.json").body);
  ASSERT_EQ(set["keys"].size(), 1u);
  EXPECT_EQ(set["keys"][0]["kid"], "shared-kid");
}

}  // namespace
}  // namespace wasl
