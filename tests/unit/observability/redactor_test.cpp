#include "hub/observability/redactor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wasl::observability {
namespace {

std::string redact(const std::string& s) { return Redactor::standard().redact(s); }

TEST(RedactorTest, NationalIdAndIqama) {
  EXPECT_EQ(redact("patient 1012345678 admitted"), "patient [redacted:national_id] admitted");
  EXPECT_EQ(redact("iqama:2123456789."), "iqama:[redacted:national_id].");
  // Not an id: wrong first digit, wrong length, glued to letters or digits.
  EXPECT_EQ(redact("order 3012345678"), "order 3012345678");
  EXPECT_EQ(redact("n 101234567 and 10123456789"), "n 101234567 and 10123456789");
  EXPECT_EQ(redact("hash ab1012345678cd"), "hash ab1012345678cd");
}

TEST(RedactorTest, NationalIdInsideArabicText) {
  EXPECT_EQ(redact("رقم الهوية 1098765432 للمريض"), "رقم الهوية [redacted:national_id] للمريض");
  EXPECT_EQ(redact("الهوية:1098765432،"), "الهوية:[redacted:national_id]،");
  // Arabic-Indic digits are digits too.
  EXPECT_EQ(redact("هوية ١٠٩٨٧٦٥٤٣٢ هنا"), "هوية [redacted:national_id] هنا");
}

TEST(RedactorTest, PhoneNumbers) {
  EXPECT_EQ(redact("call +966501234567 now"), "call [redacted:phone] now");
  EXPECT_EQ(redact("call 966501234567"), "call [redacted:phone]");
  EXPECT_EQ(redact("call 00966501234567"), "call [redacted:phone]");
  EXPECT_EQ(redact("call 0501234567"), "call [redacted:phone]");
  EXPECT_EQ(redact("call 050-123-4567 or 055 123 4567"),
            "call [redacted:phone] or [redacted:phone]");
  EXPECT_EQ(redact("call +966 50 123 4567."), "call [redacted:phone].");
  EXPECT_EQ(redact("uk +442071838750"), "uk [redacted:phone]");
  EXPECT_EQ(redact("short +1234567"), "short +1234567");
  EXPECT_EQ(redact("جوال ٠٥٠١٢٣٤٥٦٧"), "جوال [redacted:phone]");
}

TEST(RedactorTest, EmailAddresses) {
  EXPECT_EQ(redact("mail sara.ali+x@hospital.example.sa today"), "mail [redacted:email] today");
  EXPECT_EQ(redact("not an email: a@b or @home"), "not an email: a@b or @home");
}

TEST(RedactorTest, LeavesOrdinaryTextAlone) {
  std::string text =
      "http GET /v1/consultations/{id} 200 3.217 ms; took 1500 ms; uuid "
      "550e8400-e29b-41d4-a716-446655440000";
  EXPECT_EQ(redact(text), text);
}

TEST(RedactorTest, JsonKeysAreRedactedAndJsonStaysValid) {
  std::string msg = R"({"name":[{"given":["سارة"],"family":"العلي"}],"national_id":1012345678,)"
                    R"("phone": "0501234567","status":"booked","note":"ok"})";
  std::string out = redact(msg);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["name"], "[redacted:name]");
  EXPECT_EQ(j["national_id"], "[redacted:national_id]");
  EXPECT_EQ(j["phone"], "[redacted:phone]");
  EXPECT_EQ(j["status"], "booked");
  EXPECT_EQ(out.find("سارة"), std::string::npos);
}

TEST(RedactorTest, CustomKeysAndPatterns) {
  Redactor r;
  r.add_json_key("mrn");
  ASSERT_TRUE(r.add_pattern("mrn", "MRN-[0-9]{6}").ok());
  EXPECT_FALSE(r.add_pattern("bad", "([").ok());
  EXPECT_EQ(r.redact(R"({"mrn":"A-77"} and MRN-123456)"),
            R"({"mrn":"[redacted:mrn]"} and [redacted:mrn])");
  // The built-ins stay on.
  EXPECT_EQ(r.redact("id 2123456789"), "id [redacted:national_id]");
  // A plain Redactor has no JSON keys: standard() adds them.
  EXPECT_EQ(Redactor().redact(R"({"name":"x"})"), R"({"name":"x"})");
}

TEST(RedactorTest, TruncatedJsonValueIsRedactedToTheEnd) {
  EXPECT_EQ(redact(R"(body {"name":"Sara Al)"), R"(body {"name":"[redacted:name]")");
}

}  // namespace
}  // namespace wasl::observability
