#include "hub/api/residency.hpp"

#include <map>
#include <string>
#include <utility>

#include "hub/access/residency_exception_store.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/json_response.hpp"
#include "hub/config/residency.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::api {
namespace {

using nlohmann::json;

// The kinds every facility is answered for, bound or not.
constexpr const char* kRoleKinds[] = {"video", "ehr", "billing", "reporting"};

json residency_json(const config::Residency& residency, const std::vector<std::string>& required) {
  return {{"residency", residency.country},
          {"basis", residency.basis},
          {"meets_requirement", config::meets(required, residency)}};
}

}  // namespace

void add_residency_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/residency",
      [&context](http::Request& request, const access::Principal& principal) {
        const config::Config* cfg = context.config;
        const config::FacilityConfig* found = nullptr;
        if (cfg != nullptr) {
          auto it = cfg->facilities.find(principal.facility_id);
          if (it != cfg->facilities.end()) found = &it->second;
        }
        if (found == nullptr) {
          return problem_response(request, 503, MessageId::kResidencyUnavailable);
        }
        const config::FacilityConfig& facility = *found;

        // When the hub first started with each exception (its audit event's time).
        std::map<std::pair<std::string, std::string>, std::int64_t> in_force;
        {
          auto tx = context.store->begin(storage::TxMode::kReadOnly);
          if (!tx.ok()) return error_response(request, tx.error());
          auto rows = access::ResidencyExceptionStore::list(**tx, principal.facility_id);
          if (!rows.ok()) return error_response(request, rows.error());
          for (const auto& row : *rows) {
            in_force[{row.instance, row.reference}] = row.first_started_at;
          }
        }
        auto exception_json = [&](const config::FacilityResidencyExceptionConfig& e) {
          auto at = in_force.find({e.instance, e.reference});
          return json{
              {"instance", e.instance},
              {"reference", e.reference},
              {"approved", e.approved},
              {"in_force_since",
               at == in_force.end() ? json(nullptr) : json(domain::format_timestamp(at->second))}};
        };

        json data = json::array();
        auto add_path = [&](const std::string& kind, const std::string& key,
                            const std::string& instance) {
          json entry{{"kind", kind}, {"binding", key}, {"instance", instance}};
          auto it = cfg->instances.find(instance);
          if (it == cfg->instances.end()) {
            entry["plugin"] = nullptr;
            entry.update(residency_json(
                config::Residency{std::string(config::kUnknownResidency), "not declared"},
                facility.residency));
          } else {
            entry["plugin"] = it->second.plugin;
            entry.update(
                residency_json(config::instance_residency(it->second), facility.residency));
          }
          const auto* exception = config::residency_exception(facility, instance);
          entry["exception"] = exception == nullptr ? json(nullptr) : exception_json(*exception);
          data.push_back(std::move(entry));
        };
        for (const char* kind : kRoleKinds) {
          auto bound = facility.bindings.find(kind);
          if (bound != facility.bindings.end()) {
            add_path(kind, "bindings." + std::string(kind), bound->second);
          } else {
            data.push_back(json{{"kind", kind},
                                {"binding", "bindings." + std::string(kind)},
                                {"instance", nullptr},
                                {"plugin", nullptr},
                                {"residency", nullptr},
                                {"basis", "not bound"},
                                {"meets_requirement", true},
                                {"exception", nullptr}});
          }
        }
        for (const config::DataPath& path : config::facility_data_paths(facility)) {
          if (path.kind == "notify") add_path(path.kind, path.key, path.instance);
        }
        // Recordings: where new ones are written.
        json archive{{"kind", "archive"},
                     {"binding", "archive.store"},
                     {"instance", config::archive_exception_name(cfg->archive)},
                     {"store", cfg->archive.store}};
        archive.update(residency_json(config::archive_residency(cfg->archive), facility.residency));
        const auto* archive_exception =
            config::residency_exception(facility, config::archive_exception_name(cfg->archive));
        archive["exception"] =
            archive_exception == nullptr ? json(nullptr) : exception_json(*archive_exception);
        data.push_back(std::move(archive));

        json exceptions = json::array();
        for (const auto& e : facility.residency_exceptions) exceptions.push_back(exception_json(e));
        bool compliant = true;
        for (const auto& entry : data) {
          if (!entry["meets_requirement"].get<bool>() && entry["exception"].is_null()) {
            compliant = false;
          }
        }
        return json_response(200, json{{"facility", principal.facility_id},
                                       {"required", facility.residency},
                                       {"compliant", compliant},
                                       {"data", std::move(data)},
                                       {"exceptions", std::move(exceptions)}});
      },
      route_options("Where the facility's data is processed, by kind, and its exceptions."));
}

}  // namespace wasl::api
