// Deterministic ids for the resources of one report: a resend of the same
// report builds byte-identical FHIR (same Bundle id, same entry fullUrls),
// so a receiver that compares content sees a duplicate, not a conflict.
#pragma once

#include <string>
#include <string_view>

namespace wasl::plugins::moh {

// sdk::name_based_uuid of "<report_id>/<part>" (a version 8 UUID from
// SHA-256).
std::string report_uuid(std::string_view report_id, std::string_view part);

}  // namespace wasl::plugins::moh
