// libwasl_fhir.so loaded through the hub's PluginHost, as config/wasl.yaml
// would load it: its schema accepts the settings the README documents and
// refuses a wrong one naming it; one instance gives both capabilities (ehr
// and webhook) against the FHIR peer with SMART Backend Services.
#include <Poco/Crypto/ECKey.h>
#include <gtest/gtest.h>

#include <sstream>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"

namespace wasl {
namespace {

using nlohmann::json;
using testing::FhirPeer;

class FhirPluginHostTest : public ::testing::Test {
 protected:
  sdk::Result<std::unique_ptr<plugin_host::PluginHost>> load(json settings) {
    config_.plugins.files = {{"fhir", WASL_FHIR_PLUGIN_FILE, "", 1}};
    config::InstanceConfig instance;
    instance.name = "ehr.fhir-test";
    instance.plugin = "fhir";
    instance.settings = std::move(settings);
    config_.instances = {{instance.name, instance}};
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    return plugin_host::PluginHost::load(config_, metrics_, options);
  }

  config::Config config_;
  observability::Metrics metrics_;
  plugin_host::InMemoryStateStore state_;
};

TEST_F(FhirPluginHostTest, OneInstanceReadsWithSmartAndVerifiesNotifications) {
  auto peer = FhirPeer::start();
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  Poco::Crypto::ECKey key("secp384r1");
  std::ostringstream pub, priv;
  key.save(&pub, &priv);
  ASSERT_TRUE((*peer)->register_client("wasl-hub", pub.str()).ok());
  ASSERT_TRUE((*peer)->configure_auth({{"mode", "smart"}}).ok());

  auto host = load({{"base_url", (*peer)->base_url()},
                    {"auth", "smart"},
                    {"client_id", "wasl-hub"},
                    {"private_key", priv.str()},
                    {"signing_alg", "ES384"},
                    {"subscription_secret", "s3cret-s3cret-s3cret"},
                    {"page_size", 10}});
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto ehr = (*host)->ehr("ehr.fhir-test");
  ASSERT_TRUE(ehr.ok()) << ehr.error().message;
  auto patient = (*ehr)->read_patient({"fatimah-alzahrani"});
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->raw["name"][0]["text"], "فاطمة الزهراني");

  auto webhook = (*host)->webhook("ehr.fhir-test");
  ASSERT_TRUE(webhook.ok()) << webhook.error().message;
  auto booked = (*peer)->read(FhirPeer::kDemoBookedAppointment);
  ASSERT_TRUE(booked.ok());
  sdk::WebhookRequest request;
  request.method = "POST";
  request.url = "https://hub.test/v1/webhooks/ehr.fhir-test";
  request.headers = {{"X-Wasl-Subscription-Secret", "s3cret-s3cret-s3cret"}};
  request.body =
      json{{"resourceType", "Bundle"}, {"type", "history"}, {"entry", {{{"resource", *booked}}}}}
          .dump();
  auto events = (*webhook)->verify(request);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "appointment.updated");
}

TEST_F(FhirPluginHostTest, TheSchemaRefusesAWrongSettingByName) {
  auto host =
      load({{"base_url", "http://127.0.0.1:9/fhir"}, {"auth", "none"}, {"page_size", "many"}});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.error().message.find("page_size"), std::string::npos) << host.error().message;
  auto unknown = load({{"base_url", "http://127.0.0.1:9/fhir"}, {"auth", "kerberos"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("auth"), std::string::npos) << unknown.error().message;
}

}  // namespace
}  // namespace wasl
