#include "plugins/nphies/batch_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/outgoing_checks.hpp"
#include "plugins/nphies/request_messages.hpp"
#include "plugins/nphies/tests/test_claims.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using ::testing::HasSubstr;
using testing::test_claim;
using testing::test_settings;

constexpr std::int64_t kBatchNow = 1763719200000;
const std::string kExtensions = "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/";

std::string claim_key(int n) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%032x", n);
  return std::string("wasl-") + hex;
}

sdk::ClaimBatch batch_of(int count, const std::string& key = "wasl-batch-hospital-a-1") {
  sdk::ClaimBatch batch;
  batch.idempotency_key = key;
  batch.provider_license = test_claim().provider_license;
  batch.payer_license = test_claim().payer_license;
  for (int n = 1; n <= count; ++n) batch.claims.push_back(test_claim(claim_key(n)));
  return batch;
}

// The Claim entry of a claim-request message.
json& claim_in(json& message) {
  for (json& entry : message["entry"]) {
    if (entry["resource"]["resourceType"] == "Claim") return entry["resource"];
  }
  ADD_FAILURE() << "no Claim";
  return message;
}

// The extension of `claim` whose url ends with extension-<name>.
json extension(const json& claim, const std::string& name) {
  for (const json& e : claim.value("extension", json::array())) {
    if (e["url"] == kExtensions + "extension-" + name) return e;
  }
  return nullptr;
}

TEST(BatchRequestTest, EachClaimIsItsClaimRequestWithTheBatchExtensions) {
  const sdk::ClaimBatch batch = batch_of(3);
  auto built = batch_request_message(test_settings(), batch, kBatchNow);
  ASSERT_TRUE(built.ok()) << built.error().message;
  json message = *built;
  const MessageIds ids = message_ids(batch.idempotency_key);
  EXPECT_EQ(message["id"], ids.bundle_id);
  const json& header = message["entry"][0]["resource"];
  EXPECT_EQ(header["id"], ids.message_header_id);
  EXPECT_EQ(header["eventCoding"]["code"], "batch-request");
  EXPECT_FALSE(header.contains("focus"));
  EXPECT_EQ(header["sender"]["identifier"]["value"], batch.provider_license);
  ASSERT_EQ(message["entry"].size(), 4u);
  for (int n = 1; n <= 3; ++n) {
    json inner = message["entry"][n]["resource"];
    EXPECT_EQ(message["entry"][n]["fullUrl"],
              "http://hospital.test/Bundle/" + message_ids(claim_key(n)).bundle_id);
    json& claim = claim_in(inner);
    EXPECT_EQ(
        extension(claim, "batch-identifier")["valueIdentifier"],
        json({{"system", "http://hospital.test/identifier/batch"}, {"value", ids.business_id}}));
    EXPECT_EQ(extension(claim, "batch-number")["valuePositiveInt"], n);
    EXPECT_EQ(extension(claim, "batch-count")["valuePositiveInt"], 3);
    // Without them, exactly what submit_claim sends for the claim alone.
    json& list = claim["extension"];
    list.erase(std::remove_if(list.begin(), list.end(),
                              [](const json& e) {
                                return e["url"].get<std::string>().find("extension-batch-") !=
                                       std::string::npos;
                              }),
               list.end());
    if (list.empty()) claim.erase("extension");
    auto alone = claim_request_message(test_settings(), test_claim(claim_key(n)), kBatchNow);
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ(inner, *alone) << "claim " << n;
  }
  // The same batch again is the same message.
  EXPECT_EQ(*batch_request_message(test_settings(), batch, kBatchNow), *built);
}

TEST(BatchRequestTest, PassesTheOutgoingChecksAtEitherProfileVersion) {
  for (const std::string version : {"0.3.0", "1.0.0"}) {
    for (int count : {1, 200}) {
      auto built = batch_request_message(test_settings(version), batch_of(count), kBatchNow);
      ASSERT_TRUE(built.ok()) << built.error().message;
      const sdk::Status checked = check_outgoing(*built, version);
      EXPECT_TRUE(checked.ok()) << version << " " << count << ": " << checked.error().message;
    }
  }
}

TEST(BatchRequestTest, RefusesWhatTheExchangeWould) {
  auto refusal = [](const sdk::ClaimBatch& batch) {
    auto built = batch_request_message(test_settings(), batch, kBatchNow);
    EXPECT_FALSE(built.ok());
    if (built.ok()) return std::string();
    EXPECT_EQ(built.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(built.error().retryable);
    return built.error().message;
  };
  EXPECT_THAT(refusal(batch_of(0)), HasSubstr("carries 0 claims"));
  EXPECT_THAT(refusal(batch_of(201)), HasSubstr("carries 201 claims; a batch carries 1 to 200"));
  sdk::ClaimBatch no_key = batch_of(1, "");
  EXPECT_THAT(refusal(no_key), HasSubstr("idempotency key"));
  sdk::ClaimBatch twice = batch_of(2);
  twice.claims[1].idempotency_key = twice.claims[0].idempotency_key;
  EXPECT_THAT(refusal(twice), HasSubstr("two claims with one idempotency key (claim 2)"));
  sdk::ClaimBatch preauth = batch_of(2);
  preauth.claims[1].use = "preauthorization";
  EXPECT_THAT(refusal(preauth), HasSubstr("claim 2 is not a claim"));
  sdk::ClaimBatch other_provider = batch_of(2);
  other_provider.claims[0].provider_license = "N-F-99999";
  EXPECT_THAT(refusal(other_provider), HasSubstr("claim 1 is not from the batch's provider"));
  sdk::ClaimBatch other_payer = batch_of(3);
  other_payer.claims[2].payer_license = "N-I-99999";
  EXPECT_THAT(refusal(other_payer), HasSubstr("claim 3 is not from the batch's provider"));
  sdk::ClaimBatch no_item = batch_of(2);
  no_item.claims[1].items.clear();
  EXPECT_THAT(refusal(no_item), HasSubstr("claim 2: the request lacks a service item"));
}

}  // namespace
}  // namespace wasl::plugins::nphies
