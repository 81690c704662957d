#include "hub/api/consultation_view.hpp"

#include "hub/access/route_access.hpp"

namespace wasl::api {

nlohmann::json consultation_view(const domain::Consultation& consultation, access::Role role) {
  if (access::reads_phi(role)) return consultation;
  domain::Consultation references = consultation;
  references.patient.summary.reset();
  references.practitioner.summary.reset();
  return references;
}

}  // namespace wasl::api
