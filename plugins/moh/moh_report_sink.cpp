#include "plugins/moh/moh_report_sink.hpp"

#include <chrono>

#include "plugins/moh/measure_csv.hpp"
#include "plugins/moh/measure_report.hpp"
#include "plugins/moh/message_bundle.hpp"
#include "plugins/moh/report_body.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::moh {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

std::string pretty(const json& resource) {
  return resource.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
}

// The message Bundle as the file drop keeps it: the Patient without its
// identifiers and name (a file lies outside the hub's encryption). The
// consultation id in the Encounter ties it to the hub's record.
json deidentified(json bundle) {
  if (!bundle.contains("entry") || !bundle["entry"].is_array()) return bundle;
  for (json& entry : bundle["entry"]) {
    if (!entry.is_object() || !entry.contains("resource")) continue;
    json& resource = entry["resource"];
    if (!resource.is_object() || sdk::string_member(resource, "resourceType") != "Patient")
      continue;
    resource.erase("identifier");
    resource.erase("name");
  }
  return bundle;
}

}  // namespace

MohReportSink::MohReportSink(sdk::Host& host, MohSettings settings)
    : host_(host), settings_(std::move(settings)) {
  if (!settings_.base_url.empty()) receiver_.emplace(host_, settings_);
  if (!settings_.file_drop_directory.empty()) drop_.emplace(settings_.file_drop_directory);
}

Result<sdk::Receipt> MohReportSink::submit_report(const sdk::Report& report) {
  if (report.idempotency_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "MOH report: no report id (the idempotency key is empty)", false);
  }
  const std::string key = "receipt/" + report.idempotency_key;
  WASL_ASSIGN_OR_RETURN(auto stored, host_.state_get(key));
  if (stored) {
    try {
      return stored->get<sdk::Receipt>();
    } catch (const json::exception&) {
      host_.log(sdk::LogLevel::kWarn, "a stored MOH receipt could not be read; delivering again");
    }
  }
  WASL_ASSIGN_OR_RETURN(sdk::Receipt receipt, deliver(report));
  if (auto put = host_.state_put(key, json(receipt)); !put.ok()) {
    host_.log(sdk::LogLevel::kWarn,
              "the MOH receipt could not be kept (" + put.error().message +
                  "); a resend delivers again and the receiver answers it from its store");
  }
  return receipt;
}

Result<sdk::Receipt> MohReportSink::deliver(const sdk::Report& report) {
  json resource;
  json file_resource;
  std::string csv;
  std::string facility;
  std::string label;
  std::string what;
  std::int64_t retention_days = 0;
  if (report.kind == "consultation") {
    WASL_ASSIGN_OR_RETURN(ConsultationReport r, read_consultation_report(report));
    resource = message_bundle(r);
    file_resource = deidentified(resource);
    facility = r.facility.id;
    label = r.period.label;
    what = "consultation-" + r.consultation_id;
    retention_days = r.facility.retention_days;
  } else if (report.kind == "aggregate") {
    WASL_ASSIGN_OR_RETURN(AggregateReport r, read_aggregate_report(report));
    resource = measure_report(r);
    file_resource = resource;
    csv = measure_csv(r);
    facility = r.facility.id;
    label = r.period.label;
    what = "measure-report";
    retention_days = r.facility.retention_days;
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "MOH report: kind must be \"consultation\" or \"aggregate\"", false);
  }

  json files = json::array();
  if (drop_) {
    WASL_RETURN_IF_ERROR(sweep(facility, retention_days));
    // Another report of the same facility, period and subject already has
    // the plain name: this one is written under a name holding its id.
    auto write = [&](const std::string& extension, const std::string& content) {
      const std::string name = FileDrop::file_name(facility, label, what, extension);
      auto path = drop_->write(name, content);
      if (path.ok() || path.error().code != ErrorCode::kAlreadyExists) return path;
      return drop_->write(FileDrop::tagged_name(name, report.idempotency_key), content);
    };
    WASL_ASSIGN_OR_RETURN(std::string path, write("json", pretty(file_resource)));
    files.push_back(path);
    if (!csv.empty()) {
      WASL_ASSIGN_OR_RETURN(std::string csv_path, write("csv", csv));
      files.push_back(csv_path);
    }
  }
  sdk::Receipt receipt;
  if (receiver_) {
    if (report.kind == "consultation") {
      WASL_ASSIGN_OR_RETURN(receipt, receiver_->process_message(resource, report.idempotency_key));
    } else {
      WASL_ASSIGN_OR_RETURN(receipt,
                            receiver_->create_measure_report(resource, report.idempotency_key));
    }
  } else {
    receipt.receipt_id = files.empty() ? std::string() : files[0].get<std::string>();
    receipt.status = "accepted";
    receipt.received_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch())
            .count();
    receipt.message = "written to the file drop";
    receipt.raw = json::object();
  }
  if (!receipt.raw.is_object()) receipt.raw = json::object();
  if (!files.empty()) receipt.raw["files"] = std::move(files);
  receipt.raw["report_id"] = report.idempotency_key;
  return receipt;
}

sdk::Status MohReportSink::sweep(const std::string& facility, std::int64_t retention_days) {
  if (retention_days <= 0) return {};
  const auto older_than = host_.now() - std::chrono::hours(24) * retention_days;
  WASL_ASSIGN_OR_RETURN(int deleted, drop_->sweep(facility, older_than));
  if (deleted > 0) {
    host_.log(sdk::LogLevel::kInfo,
              "deleted " + std::to_string(deleted) + " report file(s) of facility " + facility +
                  " past its retention of " + std::to_string(retention_days) + " days");
  }
  return {};
}

}  // namespace wasl::plugins::moh
