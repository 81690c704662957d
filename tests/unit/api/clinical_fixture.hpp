// ClinicalFixture: ApiFixture with a consultation of facility A booked and a
// second clinician key of facility A (Practitioner/9, not the
// consultation's practitioner), for the notes' and prescriptions' tests;
// requests are sent as one of the callers below.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {

// Who sends a request: a role's key of facility A (or B), or the second
// clinician of facility A.
struct Caller {
  std::optional<access::Role> role;
  bool facility_b = false;
  bool other_clinician = false;
};

inline const Caller kClinicianCaller{access::Role::kClinician};
inline const Caller kOtherClinicianCaller{access::Role::kClinician, false, true};
inline const Caller kHospitalCaller{access::Role::kHospital};
inline const Caller kIntegratorCaller{access::Role::kIntegrator};
inline const Caller kAdminCaller{access::Role::kAdmin};
inline const Caller kAuditorCaller{access::Role::kAuditor};
inline const Caller kOtherFacilityClinician{access::Role::kClinician, true};
inline const Caller kOtherFacilityHospital{access::Role::kHospital, true};

class ClinicalFixture : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    consultation_ = create_id("booking");
    other_clinician_ = create_key(kFacilityA, access::Role::kClinician, "Practitioner/9");
  }

  http::Response call(const std::string& method, const std::string& target, const Caller& as,
                      const nlohmann::json& body = nullptr,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (as.other_clinician) headers.emplace_back("Authorization", "Bearer " + other_clinician_);
    return send({method, target, body.is_null() ? std::string() : body.dump(), std::move(headers)},
                as.role, as.facility_b);
  }

  static bool is_problem(const http::Response& r) {
    auto it = r.headers.find("Content-Type");
    return it != r.headers.end() && it->second == "application/problem+json";
  }

  // The bytes of the SQLite database file and its write-ahead log.
  std::string sqlite_bytes() const {
    std::string out;
    for (const std::string& path : {db_->sqlite_path(), db_->sqlite_path() + "-wal"}) {
      std::ifstream in(path, std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }

  std::string consultation_;
  std::string other_clinician_;
};

}  // namespace wasl::api::testing
