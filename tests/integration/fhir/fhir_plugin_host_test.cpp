// libwasl_fhir.so loaded through the hub's PluginHost, as config/wasl.yaml
// would load it: its schema accepts the settings the README documents and
// refuses a wrong one naming it; one instance gives both capabilities (ehr
// and webhook) against the FHIR peer with SMART Backend Services; an EHR
// answer too deep or too large to handle fails the read and nothing else.
#include <Poco/Crypto/ECKey.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"

namespace wasl {
namespace {

using nlohmann::json;
using testing::FhirPeer;

// A loopback EHR (127.0.0.1, port 0) answering each path with a fixed body
// as application/fhir+json (/fhir/metadata: an R4 CapabilityStatement), 404
// otherwise. A test double. Thread-safe once started: the answers are fixed
// at construction.
class CannedEhr {
 public:
  explicit CannedEhr(std::map<std::string, std::string> answers)
      : answers_(std::make_shared<const std::map<std::string, std::string>>(
            with_metadata(std::move(answers)))) {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(answers_), socket, params);
    server_->start();
  }
  ~CannedEhr() { server_->stopAll(true); }
  CannedEhr(const CannedEhr&) = delete;
  CannedEhr& operator=(const CannedEhr&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/fhir"; }

 private:
  using Answers = std::shared_ptr<const std::map<std::string, std::string>>;
  static std::map<std::string, std::string> with_metadata(
      std::map<std::string, std::string> answers) {
    answers.emplace("/fhir/metadata",
                    R"({"resourceType":"CapabilityStatement","fhirVersion":"4.0.1"})");
    return answers;
  }
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(Answers answers) : answers_(std::move(answers)) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      auto it = answers_->find(request.getURI());
      response.setContentType("application/fhir+json");
      if (it == answers_->end()) {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
        response.send() << R"({"resourceType":"OperationOutcome"})";
        return;
      }
      response.setContentLength(static_cast<std::streamsize>(it->second.size()));
      response.send() << it->second;
    }

   private:
    Answers answers_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(Answers answers) : answers_(std::move(answers)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(answers_);
    }

   private:
    Answers answers_;
  };

  Answers answers_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

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

TEST_F(FhirPluginHostTest, ADeepPatientAnswerFailsTheReadAndNothingElse) {
  // About 400 KB of "[[[…]]]" inside a Patient: it parses, and a copy or
  // dump() of it (the mapping's raw, the plugin glue) overflows the stack.
  const int depth = 200000;
  const std::string deep = R"({"resourceType":"Patient","id":"deep","extension":)" +
                           std::string(depth, '[') + std::string(depth, ']') + "}";
  const std::string fine = R"({"resourceType":"Patient","id":"fine","gender":"female"})";
  CannedEhr ehr({{"/fhir/Patient/deep", deep}, {"/fhir/Patient/fine", fine}});
  auto host = load({{"base_url", ehr.base_url()}, {"auth", "none"}});
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto connector = (*host)->ehr("ehr.fhir-test");
  ASSERT_TRUE(connector.ok()) << connector.error().message;

  auto refused = (*connector)->read_patient({"deep"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("nests 200001 levels deep, more than 32"),
            std::string::npos)
      << refused.error().message;

  auto read = (*connector)->read_patient({"fine"});
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->gender, "female");
}

TEST_F(FhirPluginHostTest, AnAnswerOverTheInstanceResponseLimitFailsTheRead) {
  // 5 MiB: over the FHIR instance's default max_response_bytes (4 MiB).
  const std::string big = R"({"resourceType":"Patient","id":"big","text":{"div":")" +
                          std::string(std::size_t{5} << 20, 'x') + "\"}}";
  CannedEhr ehr({{"/fhir/Patient/big", big}});
  auto host = load({{"base_url", ehr.base_url()}, {"auth", "none"}});
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto connector = (*host)->ehr("ehr.fhir-test");
  ASSERT_TRUE(connector.ok()) << connector.error().message;
  auto refused = (*connector)->read_patient({"big"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kResourceExhausted) << refused.error().message;

  // The same instance with a larger limit of its own reads it.
  auto larger = load({{"base_url", ehr.base_url()},
                      {"auth", "none"},
                      {"http", {{"max_response_bytes", 8 << 20}}}});
  ASSERT_TRUE(larger.ok()) << larger.error().message;
  auto read = (*(*larger)->ehr("ehr.fhir-test"))->read_patient({"big"});
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->id, "big");
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
