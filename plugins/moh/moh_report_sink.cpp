#include "plugins/moh/moh_report_sink.hpp"

#include <chrono>

#include "plugins/moh/measure_csv.hpp"
#include "plugins/moh/measure_report.hpp"
#include "plugins/moh/message_bundle.hpp"
#include "plugins/moh/report_body.hpp"

namespace wasl::plugins::moh {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

std::string pretty(const json& resource) {
  return resource.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
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
  std::string csv;
  std::string facility;
  std::string label;
  std::string what;
  if (report.kind == "consultation") {
    WASL_ASSIGN_OR_RETURN(ConsultationReport r, read_consultation_report(report));
    resource = message_bundle(r);
    facility = r.facility.id;
    label = r.period.label;
    what = "consultation-" + r.consultation_id;
  } else if (report.kind == "aggregate") {
    WASL_ASSIGN_OR_RETURN(AggregateReport r, read_aggregate_report(report));
    resource = measure_report(r);
    csv = measure_csv(r);
    facility = r.facility.id;
    label = r.period.label;
    what = "measure-report";
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "MOH report: kind must be \"consultation\" or \"aggregate\"", false);
  }

  json files = json::array();
  if (drop_) {
    WASL_ASSIGN_OR_RETURN(
        std::string path,
        drop_->write(FileDrop::file_name(facility, label, what, "json"), pretty(resource)));
    files.push_back(path);
    if (!csv.empty()) {
      WASL_ASSIGN_OR_RETURN(std::string csv_path,
                            drop_->write(FileDrop::file_name(facility, label, what, "csv"), csv));
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

}  // namespace wasl::plugins::moh
