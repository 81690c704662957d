#include "hub/reports/report_step_guard.hpp"

#include <string>

#include "hub/reports/report_facility.hpp"
#include "hub/reports/report_store.hpp"
#include "hub/workflow/step_refusal.hpp"
#include "wasl/sdk/reporting.hpp"

namespace wasl::reports {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// Whether `given` names a value other than `expected` under `member`.
bool differs(const json& given, const char* member, const json& expected) {
  auto it = given.find(member);
  if (it == given.end() || it->is_null()) return false;
  if (it->is_string() && it->get_ref<const std::string&>().empty()) return false;
  return *it != expected;
}

}  // namespace

sdk::Status add_report_step_guard(workflow::HubActions& actions, const config::Config& config,
                                  const records::CellCipher& cipher,
                                  const audit::AuditWriter& audit) {
  const std::string method(sdk::ReportSink::kSubmitReport);
  return actions.guard(
      method,
      [&config, &cipher, &audit, method](const workflow::HubActionContext& ctx,
                                         const json& given) -> Result<json> {
        if (!given.is_object()) return given;  // the plugin refuses it as malformed
        auto refuse = [&](const std::string& entity_type, const std::string& entity_id,
                          const std::string& why) {
          return workflow::refuse_step(audit, ctx, method, entity_type, entity_id, why);
        };
        json input = given;
        if (differs(input, "facility_id", ctx.facility_id)) {
          return refuse("facility", ctx.facility_id, "facility_id is not the run's facility");
        }
        input["facility_id"] = ctx.facility_id;
        if (!input.contains("body") || !input["body"].is_object()) return input;
        json& body = input["body"];
        const json facility = report_facility(config, ctx.facility_id);
        if (body.contains("facility") && !body["facility"].is_null()) {
          const json& named = body["facility"];
          if (!named.is_object()) return refuse("facility", ctx.facility_id, "body.facility");
          for (const char* member : {"id", "name", "licence"}) {
            if (differs(named, member, facility[member])) {
              return refuse(
                  "facility", ctx.facility_id,
                  std::string("body.facility.") + member + " is not the run's facility's");
            }
          }
        }
        body["facility"] = facility;
        const json* report_id = body.contains("report_id") ? &body["report_id"] : nullptr;
        const std::string id =
            report_id != nullptr && report_id->is_string() ? report_id->get<std::string>() : "";
        ReportStore reports(cipher, audit);
        auto owned = reports.get(*ctx.tx, ctx.facility_id, id);
        if (!owned.ok()) {
          if (owned.error().code != ErrorCode::kNotFound && !id.empty()) {
            return std::move(owned).error();
          }
          return refuse("report", id, "body.report_id names no report of the run's facility");
        }
        return input;
      });
}

}  // namespace wasl::reports
