#include "hello_report_sink.hpp"

#include <chrono>
#include <string>

namespace hello {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Receipt;
using wasl::sdk::Result;

Result<Receipt> HelloReportSink::submit_report(const wasl::sdk::Report& report) {
  if (report.idempotency_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a report needs an idempotency key");
  }
  const std::string state_key = "receipt:" + report.idempotency_key;
  WASL_ASSIGN_OR_RETURN(auto earlier, host_.state_get(state_key));
  if (earlier) return earlier->get<Receipt>();

  Receipt receipt;
  // The host hands the settings over validated against schema.json with its
  // defaults filled in: no default is restated here.
  receipt.receipt_id =
      host_.settings().at("receipt_prefix").get<std::string>() + report.idempotency_key;
  receipt.status = "accepted";
  receipt.message = host_.settings().at("greeting").get<std::string>();
  receipt.received_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(host_.now().time_since_epoch()).count();
  WASL_RETURN_IF_ERROR(host_.state_put(state_key, receipt));
  host_.log(wasl::sdk::LogLevel::kInfo, "accepted a " + report.kind + " report");
  return receipt;
}

}  // namespace hello
