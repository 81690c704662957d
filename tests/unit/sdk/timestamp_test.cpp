#include "wasl/sdk/timestamp.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

TEST(Iso8601Test, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1'772'357'400'123), "2026-03-01T09:30:00.123Z");
  EXPECT_EQ(format_iso8601(951782400123), "2000-02-29T00:00:00.123Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_iso8601(1'772'357'400'123, 0, FractionDigits::kNone), "2026-03-01T09:30:00Z");
  // Outside years 0000-9999: the nearest representable instant.
  EXPECT_EQ(format_iso8601(-62167219200001), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(253402300800000), "9999-12-31T23:59:59.999Z");
}

TEST(Iso8601Test, FormatsLocalTimeWithItsOffset) {
  EXPECT_EQ(format_iso8601(1763719200320, 180), "2025-11-21T13:00:00.320+03:00");
  EXPECT_EQ(format_iso8601(1763719200320, -330), "2025-11-21T04:30:00.320-05:30");
  EXPECT_EQ(format_iso8601_date(1763755200000, 180), "2025-11-21");  // 23:00 in Riyadh
  EXPECT_EQ(format_iso8601_date(1763758800000, 180), "2025-11-22");  // midnight there
  EXPECT_EQ(format_iso8601_date(-1), "1969-12-31");
  EXPECT_EQ(format_iso8601_basic(1704110400999), "20240101T120000Z");
}

TEST(Iso8601Test, ParsesRfc3339) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(parse_iso8601("2023-11-14t22:13:20z"), 1700000000000);
  EXPECT_EQ(parse_iso8601("2023-11-15T01:13:20+03:00"), 1700000000000);
  EXPECT_EQ(parse_iso8601("2023-11-14T17:43:20-04:30"), 1700000000000);
  EXPECT_EQ(parse_iso8601("2023-11-14T22:13:20.1239999Z"), 1700000000123);  // truncated
  EXPECT_EQ(parse_iso8601("2016-12-31T23:59:60Z"), parse_iso8601("2016-12-31T23:59:59Z"));
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59.999Z"), -1);
}

TEST(Iso8601Test, RoundTrips) {
  for (std::int64_t ms : {0LL, -1LL, 1700000000000LL, 4102444799999LL, 951782400123LL}) {
    EXPECT_EQ(parse_iso8601(format_iso8601(ms)), ms);
    EXPECT_EQ(parse_iso8601(format_iso8601(ms, 180)), ms);
    EXPECT_EQ(parse_iso8601(format_iso8601(ms, -600)), ms);
  }
}

TEST(Iso8601Test, RefusesWhatIsNotAnRfc3339DateTime) {
  for (const char* bad :
       {"", "yyyy-mm-ddThh:mm:ssZ", "2026-03-01", "2026-03-01T09:30:00", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2023-02-30T00:00:00Z", "2026-03-01T24:00:00Z",
        "2026-03-01T09:30:00.Z", "2026-03-01T09:30:00Zjunk", "2026-03-01T09:30:00+3:00",
        "2026-03-01T09:30:00+0300", "2026-03-01T09:30:00+24:00", "2026-03-01 09:30:00Z",
        "2026-03-01T09:30Z"}) {
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
  }
}

TEST(Iso8601Test, FurtherFormsOnlyWhenAskedFor) {
  Iso8601Forms fhir;
  fhir.date_only = true;
  fhir.without_offset = true;
  EXPECT_EQ(parse_iso8601("1970-01-02", fhir), 86400000);
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:01.250", fhir), 1250);
  EXPECT_FALSE(parse_iso8601("2024-13-01", fhir).has_value());
  Iso8601Forms spaced;
  spaced.space_separator = true;
  EXPECT_EQ(parse_iso8601("1970-01-01 00:00:01Z", spaced), 1000);
  EXPECT_FALSE(parse_iso8601("1970-01-01", spaced).has_value());
}

TEST(HttpDateTest, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(784111777000), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(1763719200999), "Fri, 21 Nov 2025 10:00:00 GMT");
  EXPECT_EQ(parse_http_date(format_http_date(1763719200000)), 1763719200000);
}

TEST(HttpDateTest, ParsesEveryFormARecipientMustAccept) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);   // IMF-fixdate
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777000);  // RFC 850
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777000);        // asctime
  EXPECT_EQ(parse_http_date("Wednesday, 21-Oct-15 07:40:05 GMT"), 1445413205000);
  // RFC 5322 date-times with a numeric zone, as some providers send them.
  EXPECT_EQ(parse_http_date("Mon, 27 Oct 2025 18:16:01 +0000"), 1761588961000);
  EXPECT_EQ(parse_http_date("Mon, 27 Oct 2025 21:16:01 +0300"), 1761588961000);
  EXPECT_EQ(parse_http_date("27 Oct 2025 18:16 GMT"), 1761588960000);
}

TEST(HttpDateTest, RefusesAnythingElse) {
  for (const char* bad :
       {"", "soon", "1761588961", "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 PST",
        "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace wasl::sdk
