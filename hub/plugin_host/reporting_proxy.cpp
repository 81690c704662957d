#include "hub/plugin_host/reporting_proxy.hpp"

#include "hub/plugin_host/typed_call.hpp"

namespace wasl::plugin_host {

sdk::Result<sdk::Receipt> ReportingProxy::submit_report(const sdk::Report& report) {
  return typed_call<sdk::Receipt>(*instance_, sdk::ReportSink::kSubmitReport, report);
}

}  // namespace wasl::plugin_host
