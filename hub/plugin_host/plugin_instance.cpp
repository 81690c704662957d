#include "hub/plugin_host/plugin_instance.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "hub/plugin_host/call_budget.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/wire_error.hpp"

namespace wasl::plugin_host {

namespace {

constexpr char kCallsName[] = "wasl_plugin_calls_total";
constexpr char kCallsHelp[] = "Calls into plugin instances, by instance, method and outcome.";
constexpr char kDurationName[] = "wasl_plugin_call_duration_seconds";
constexpr char kDurationHelp[] = "Time spent in plugin calls, in seconds.";

// What the hub parses of a plugin's answer: the provider documents it carries
// (`raw`, at most 32 levels deep in the shipped plugins, which parse provider
// answers within the SDK's default budget) wrapped in a few levels of its own.
// A deeper or larger answer is refused before anything copies or dumps it.
constexpr sdk::JsonBudget kPluginAnswerBudget{.max_bytes = std::size_t{64} << 20, .max_depth = 48};

struct StreamContext {
  const sdk::ChunkSink* sink;
  std::optional<sdk::Error> error;
};

int deliver(void* ctx, const uint8_t* data, size_t size) {
  auto* stream = static_cast<StreamContext*>(ctx);
  try {
    auto status = (*stream->sink)(std::string_view(reinterpret_cast<const char*>(data), size));
    if (status.ok()) return WASL_OK;
    stream->error = status.error();
  } catch (const std::exception& e) {
    stream->error = sdk::Error(sdk::ErrorCode::kInternal,
                               std::string("the media sink failed: ") + e.what(), false);
  } catch (...) {
    stream->error = sdk::Error(sdk::ErrorCode::kInternal, "the media sink failed", false);
  }
  return WASL_ERROR;
}

}  // namespace

PluginInstance::PluginInstance(std::shared_ptr<const PluginLibrary> library,
                               std::unique_ptr<InstanceHost> host, observability::Metrics& metrics,
                               CallGateLimits limits)
    : metrics_(metrics), gate_(limits), host_(std::move(host)), library_(std::move(library)) {}

PluginInstance::~PluginInstance() {
  if (instance_ != nullptr) library_->registration().destroy_instance(instance_);
}

sdk::Result<std::unique_ptr<PluginInstance>> PluginInstance::create(
    std::shared_ptr<const PluginLibrary> library, std::unique_ptr<InstanceHost> host,
    observability::Metrics& metrics, CallGateLimits limits) {
  std::unique_ptr<PluginInstance> self(
      new PluginInstance(std::move(library), std::move(host), metrics, limits));
  const auto& reg = self->library_->registration();
  char* error = nullptr;
  int rc = reg.create_instance(self->host_->table(), &self->instance_, &error);
  if (rc != WASL_OK || self->instance_ == nullptr) {
    std::string text = error != nullptr ? error : "";
    reg.free_string(error);
    sdk::Error e = sdk::error_from_json(nlohmann::json::parse(text, nullptr, false));
    if (text.empty()) e.message = "it gave no reason";
    self->instance_ = nullptr;
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "instance '" + self->name() + "': plugin '" + self->library_->info().name +
                          "' refused to create it: " + e.message,
                      false);
  }
  reg.free_string(error);
  return self;
}

sdk::Result<nlohmann::json> PluginInstance::finish(std::string_view method, int rc, char* out) {
  std::string text = out != nullptr ? out : "";
  library_->registration().free_string(out);
  auto parsed = sdk::parse_json_within(text, kPluginAnswerBudget);
  if (rc != WASL_OK) return sdk::error_from_json(parsed);
  if (std::string problem = sdk::json_budget_problem(text, kPluginAnswerBudget); !problem.empty()) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "plugin '" + library_->info().name + "' method '" + std::string(method) +
                          "' returned a result that " + problem,
                      false);
  }
  if (parsed.is_discarded()) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "plugin '" + library_->info().name + "' method '" + std::string(method) +
                          "' returned a result that is not JSON",
                      false);
  }
  return parsed;
}

void PluginInstance::record(std::string_view method, const sdk::Result<nlohmann::json>& result,
                            double seconds) {
  std::string outcome = result.ok() ? "ok" : std::string(sdk::to_string(result.error().code));
  metrics_.counter_add(
      kCallsName, kCallsHelp,
      {{"instance", name()}, {"method", std::string(method)}, {"outcome", outcome}});
  metrics_.histogram_observe(kDurationName, kDurationHelp,
                             {{"instance", name()}, {"method", std::string(method)}}, seconds);
  if (health_ != nullptr) {
    health_->record(name(), method, result.ok() ? nullptr : &result.error(), seconds);
  }
}

sdk::Result<CallGate::Slot> PluginInstance::enter(std::string_view method) {
  std::chrono::milliseconds wait = gate_.limits().max_wait;
  if (const CallBudget* budget = current_call_budget(); budget != nullptr) {
    wait = std::min(wait, budget->time_left());
  }
  auto slot = gate_.enter(wait);
  if (slot) return std::move(*slot);
  const CallLoad now = gate_.load();
  metrics_.counter_add("wasl_plugin_calls_refused_total",
                       "Calls into a plugin instance refused because it had as many calls "
                       "running as its limit (its bulkhead), by instance.",
                       {{"instance", name()}});
  sdk::Error busy(sdk::ErrorCode::kUnavailable,
                  "plugin instance '" + name() + "' has " + std::to_string(now.in_flight) +
                      " calls running, its limit (instances." + name() +
                      ".max_concurrent_calls), and " + std::to_string(now.waiting) + " waiting; " +
                      std::string(method) + " was not sent; try again shortly",
                  true, std::chrono::milliseconds(1000));
  busy.deferred = true;
  return busy;
}

sdk::Result<nlohmann::json> PluginInstance::call(std::string_view method,
                                                 const nlohmann::json& request) {
  WASL_ASSIGN_OR_RETURN(CallGate::Slot slot, enter(method));
  const auto start = std::chrono::steady_clock::now();
  sdk::Result<nlohmann::json> result = [&]() -> sdk::Result<nlohmann::json> {
    std::string in;
    try {
      in = request.dump();
    } catch (const nlohmann::json::exception& e) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "a request to " + std::string(method) + " is not valid UTF-8 JSON", false);
    }
    const std::string m(method);
    char* out = nullptr;
    int rc = library_->registration().call(instance_, m.c_str(), in.c_str(), &out);
    return finish(method, rc, out);
  }();
  record(method, result,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

sdk::Result<nlohmann::json> PluginInstance::call_streaming(std::string_view method,
                                                           const nlohmann::json& request,
                                                           const sdk::ChunkSink& sink) {
  WASL_ASSIGN_OR_RETURN(CallGate::Slot slot, enter(method));
  const auto start = std::chrono::steady_clock::now();
  sdk::Result<nlohmann::json> result = [&]() -> sdk::Result<nlohmann::json> {
    const auto& reg = library_->registration();
    if (!WASL_STRUCT_HAS(&reg, wasl_plugin_registration, call_streaming) ||
        reg.call_streaming == nullptr) {
      return sdk::Error(sdk::ErrorCode::kUnimplemented,
                        "plugin '" + library_->info().name + "' offers no streaming calls", false);
    }
    std::string in;
    try {
      in = request.dump();
    } catch (const nlohmann::json::exception&) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "a request to " + std::string(method) + " is not valid UTF-8 JSON", false);
    }
    const std::string m(method);
    StreamContext stream{&sink, std::nullopt};
    char* out = nullptr;
    int rc = reg.call_streaming(instance_, m.c_str(), in.c_str(), &deliver, &stream, &out);
    auto finished = finish(method, rc, out);
    if (stream.error) return *stream.error;
    return finished;
  }();
  record(method, result,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

}  // namespace wasl::plugin_host
