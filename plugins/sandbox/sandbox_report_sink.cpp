#include "plugins/sandbox/sandbox_report_sink.hpp"

#include <string>
#include <utility>

#include "plugins/sandbox/epoch_ms.hpp"
#include "plugins/sandbox/recorded_answer.hpp"

namespace wasl::plugins::sandbox {

using nlohmann::json;
using sdk::Result;

SandboxReportSink::SandboxReportSink(sdk::Host& host, SandboxSettings settings,
                                     std::unique_ptr<StateFile> state)
    : host_(host), settings_(std::move(settings)), state_(std::move(state)) {}

Result<sdk::Receipt> SandboxReportSink::submit_report(const sdk::Report& report) {
  constexpr std::string_view kMethod = "submit_report";
  WASL_RETURN_IF_ERROR(require_idempotency_key(report.idempotency_key, kMethod));
  if (report.kind.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "sandbox: submit_report: the report has no kind", false);
  }
  std::int64_t now = epoch_ms(host_);
  auto record = state_->record_effect(kMethod, report.idempotency_key,
                                      [&](EffectScope& scope) -> Result<json> {
    sdk::Receipt receipt;
    receipt.receipt_id = "sandbox-receipt-" + std::to_string(scope.sequence());
    receipt.status = "accepted";
    receipt.received_at_ms = now;
    receipt.message = "Accepted by the sandbox Ministry of Health receiver";
    receipt.raw = {{"sandbox", true}, {"kind", report.kind}};
    return json(receipt);
  });
  return recorded_answer<sdk::Receipt>(std::move(record), settings_.fail_first_attempt, kMethod);
}

}  // namespace wasl::plugins::sandbox
