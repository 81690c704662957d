// The C entry points of abi.h, implemented over a vendor's PluginDefinition.
// Compiled into each plugin. Every function here catches every exception: a
// stray one becomes an Error naming the plugin and the method.
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "abi_host.hpp"
#include "wasl/sdk/plugin.hpp"
#include "wasl/sdk/wire_error.hpp"

struct wasl_instance {
  std::string plugin_name;
  std::unique_ptr<wasl::sdk::glue::AbiHost> host;
  std::unique_ptr<wasl::sdk::VideoProvider> video;
  std::unique_ptr<wasl::sdk::EhrConnector> ehr;
  std::unique_ptr<wasl::sdk::BillingGateway> billing;
  std::unique_ptr<wasl::sdk::ReportSink> reporting;
  std::unique_ptr<wasl::sdk::WebhookVerifier> webhook;
  std::unique_ptr<wasl::sdk::MessageFeed> feed;
  std::unique_ptr<wasl::sdk::Notifier> notify;
};

namespace wasl::sdk {

PluginInfo plugin_info(const PluginDefinition& definition) {
  PluginInfo info;
  info.name = definition.name;
  info.version = definition.version;
  info.sdk_version = sdk_version_string();
  info.description = definition.description;
  if (definition.video) info.capabilities.push_back("video");
  if (definition.ehr) info.capabilities.push_back("ehr");
  if (definition.billing) info.capabilities.push_back("billing");
  if (definition.reporting) info.capabilities.push_back("reporting");
  if (definition.webhook) info.capabilities.push_back("webhook");
  if (definition.feed) info.capabilities.push_back("feed");
  if (definition.notify) info.capabilities.push_back("notify");
  info.features = definition.features;
  return info;
}

namespace glue {
namespace {

using json = nlohmann::json;

// The definition registered by the hub's explicit call; lives until unload.
struct Registered {
  std::mutex mutex;
  PluginDefinition definition;
  std::string info_json;
};

Registered& registered() {
  static Registered instance;  // function-local: constructed on first call, not at load
  return instance;
}

char* to_c_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

void free_string(char* s) { std::free(s); }

int fail(const Error& error, char** out) {
  if (out != nullptr) *out = to_c_string(error_to_json(error).dump());
  return WASL_ERROR;
}

Error threw(const std::string& plugin, std::string_view method, const char* what) {
  std::string message =
      method == "register"
          ? std::string("the registration function threw an exception")
          : "plugin '" + plugin + "' method '" + std::string(method) + "' threw an exception";
  if (what != nullptr && *what != '\0') message += std::string(": ") + what;
  return Error(ErrorCode::kInternal, message, false);
}

Error no_capability(const wasl_instance& instance, std::string_view capability) {
  return Error(ErrorCode::kUnimplemented,
               "plugin '" + instance.plugin_name + "' does not provide the '" +
                   std::string(capability) + "' capability",
               false);
}

// Decodes the request, calls `fn` on it and encodes the result.
template <typename Request, typename Fn>
Result<json> typed(const json& in, Fn&& fn) {
  Request request = in.get<Request>();
  auto result = fn(request);
  if (!result.ok()) return result.error();
  if constexpr (std::is_same_v<std::decay_t<decltype(result)>, Status>) {
    return json::object();
  } else {
    return json(result.value());
  }
}

using Handler = Result<json> (*)(wasl_instance&, const json&);

const std::map<std::string_view, Handler>& handlers() {
  static const std::map<std::string_view, Handler> table = [] {
    std::map<std::string_view, Handler> t;
#define WASL_GLUE_ADD(iface, constant, cap, fn, Req)                                \
  t.emplace(iface::constant, [](wasl_instance& i, const json& in) -> Result<json> { \
    if (!i.cap) return no_capability(i, #cap);                                      \
    return typed<Req>(in, [&](const Req& r) { return i.cap->fn(r); });              \
  })
    WASL_GLUE_ADD(VideoProvider, kCreateRoom, video, create_room, CreateRoomRequest);
    WASL_GLUE_ADD(VideoProvider, kEndRoom, video, end_room, RoomRef);
    WASL_GLUE_ADD(VideoProvider, kIssueJoinToken, video, issue_join_token, JoinTokenRequest);
    WASL_GLUE_ADD(VideoProvider, kListParticipants, video, list_participants, RoomRef);
    WASL_GLUE_ADD(VideoProvider, kRemoveParticipant, video, remove_participant, ParticipantRef);
    WASL_GLUE_ADD(VideoProvider, kStartRecording, video, start_recording, RoomRef);
    WASL_GLUE_ADD(VideoProvider, kStopRecording, video, stop_recording, RoomRef);
    WASL_GLUE_ADD(VideoProvider, kListRecordings, video, list_recordings, RoomRef);
    WASL_GLUE_ADD(VideoProvider, kRequestComposition, video, request_composition,
                  CompositionRequest);
    WASL_GLUE_ADD(VideoProvider, kReleaseMedia, video, release_media, MediaRef);
    WASL_GLUE_ADD(VideoProvider, kGetRoom, video, get_room, RoomRef);
    WASL_GLUE_ADD(EhrConnector, kReadPatient, ehr, read_patient, ResourceRef);
    WASL_GLUE_ADD(EhrConnector, kReadPractitioner, ehr, read_practitioner, ResourceRef);
    WASL_GLUE_ADD(EhrConnector, kReadAppointment, ehr, read_appointment, ResourceRef);
    WASL_GLUE_ADD(EhrConnector, kReadCoverage, ehr, read_coverage, CoverageRequest);
    WASL_GLUE_ADD(EhrConnector, kUpdateAppointmentStatus, ehr, update_appointment_status,
                  AppointmentStatusUpdate);
    WASL_GLUE_ADD(EhrConnector, kCreateEncounter, ehr, create_encounter, EncounterRequest);
    WASL_GLUE_ADD(EhrConnector, kAttachDocument, ehr, attach_document, DocumentRequest);
    WASL_GLUE_ADD(EhrConnector, kWriteNote, ehr, write_note, NoteWrite);
    WASL_GLUE_ADD(EhrConnector, kWriteMedicationRequest, ehr, write_medication_request,
                  MedicationRequestWrite);
    WASL_GLUE_ADD(EhrConnector, kWriteVitalSigns, ehr, write_vital_signs, VitalSignWrite);
    // No request: the request document is ignored.
    t.emplace(EhrConnector::kPublicKeys, [](wasl_instance& i, const json&) -> Result<json> {
      if (!i.ehr) return no_capability(i, "ehr");
      auto keys = i.ehr->public_keys();
      if (!keys.ok()) return keys.error();
      return json(keys.value());
    });
    WASL_GLUE_ADD(EhrConnector, kFindFreeSlots, ehr, find_free_slots, SlotSearch);  // SDK 1.10
    WASL_GLUE_ADD(EhrConnector, kBookSlot, ehr, book_slot, SlotBooking);            // SDK 1.10
    WASL_GLUE_ADD(BillingGateway, kCheckEligibility, billing, check_eligibility,
                  EligibilityRequest);
    WASL_GLUE_ADD(BillingGateway, kRequestPriorAuthorization, billing, request_prior_authorization,
                  Claim);
    WASL_GLUE_ADD(BillingGateway, kSubmitClaim, billing, submit_claim, Claim);
    WASL_GLUE_ADD(BillingGateway, kPoll, billing, poll, PollRequest);
    WASL_GLUE_ADD(BillingGateway, kCancel, billing, cancel, CancelRequest);
    WASL_GLUE_ADD(BillingGateway, kAcknowledge, billing, acknowledge, AcknowledgeRequest);
    WASL_GLUE_ADD(BillingGateway, kCheckStatus, billing, check_status, StatusCheckRequest);
    WASL_GLUE_ADD(BillingGateway, kPollMessages, billing, poll_messages, PollRequest);
    WASL_GLUE_ADD(BillingGateway, kAnswerInformationRequest, billing, answer_information_request,
                  InformationAnswer);
    WASL_GLUE_ADD(BillingGateway, kSendPaymentNotice, billing, send_payment_notice, PaymentNotice);
    WASL_GLUE_ADD(BillingGateway, kSubmitBatch, billing, submit_batch, ClaimBatch);
    WASL_GLUE_ADD(ReportSink, kSubmitReport, reporting, submit_report, Report);
    WASL_GLUE_ADD(WebhookVerifier, kVerify, webhook, verify, WebhookRequest);
    WASL_GLUE_ADD(MessageFeed, kAccept, feed, accept, FeedMessage);
    WASL_GLUE_ADD(Notifier, kSend, notify, send, Notification);
#undef WASL_GLUE_ADD
    return t;
  }();
  return table;
}

// Runs `body` (returning Result<json>), mapping exceptions to errors, and
// writes the result or the error to *out.
template <typename Body>
int run(const std::string& plugin, std::string_view method, char** out, Body&& body) {
  if (out != nullptr) *out = nullptr;
  try {
    Result<json> result = body();
    if (!result.ok()) return fail(result.error(), out);
    if (out != nullptr) *out = to_c_string(result.value().dump());
    return WASL_OK;
  } catch (const nlohmann::json::exception& e) {
    return fail(Error(ErrorCode::kInvalidArgument,
                      "plugin '" + plugin + "' method '" + std::string(method) +
                          "' could not read or write its JSON: " + e.what(),
                      false),
                out);
  } catch (const std::exception& e) {
    return fail(threw(plugin, method, e.what()), out);
  } catch (...) {
    return fail(threw(plugin, method, nullptr), out);
  }
}

template <typename T>
Status build(const Factory<T>& factory, Host& host, std::unique_ptr<T>& slot) {
  if (!factory) return {};
  auto made = factory(host);
  if (!made.ok()) return made.error();
  if (!made.value()) return Error(ErrorCode::kInternal, "a factory returned no object", false);
  slot = std::move(made).value();
  return {};
}

int create_instance(const wasl_host_api* host, wasl_instance** out, char** error_json) {
  if (out != nullptr) *out = nullptr;
  Registered& reg = registered();
  std::string plugin = reg.definition.name;
  int rc = run(plugin, "create_instance", error_json, [&]() -> Result<json> {
    if (host == nullptr || out == nullptr) {
      return Error(ErrorCode::kInvalidArgument, "create_instance needs a host table", false);
    }
    auto instance = std::make_unique<wasl_instance>();
    instance->plugin_name = plugin;
    instance->host = std::make_unique<AbiHost>(host);
    const PluginDefinition& d = reg.definition;
    WASL_RETURN_IF_ERROR(build(d.video, *instance->host, instance->video));
    WASL_RETURN_IF_ERROR(build(d.ehr, *instance->host, instance->ehr));
    WASL_RETURN_IF_ERROR(build(d.billing, *instance->host, instance->billing));
    WASL_RETURN_IF_ERROR(build(d.reporting, *instance->host, instance->reporting));
    WASL_RETURN_IF_ERROR(build(d.webhook, *instance->host, instance->webhook));
    WASL_RETURN_IF_ERROR(build(d.feed, *instance->host, instance->feed));
    WASL_RETURN_IF_ERROR(build(d.notify, *instance->host, instance->notify));
    *out = instance.release();
    return json();
  });
  if (rc == WASL_OK && error_json != nullptr) {
    free_string(*error_json);  // run() wrote the (null) result there
    *error_json = nullptr;
  }
  return rc;
}

void destroy_instance(wasl_instance* instance) {
  try {
    // Capability objects go before the host they borrow.
    if (instance != nullptr) {
      instance->notify.reset();
      instance->feed.reset();
      instance->webhook.reset();
      instance->reporting.reset();
      instance->billing.reset();
      instance->ehr.reset();
      instance->video.reset();
    }
    delete instance;
  } catch (...) {
    // A destructor that throws leaves the instance leaked rather than the hub aborted.
  }
}

int call(wasl_instance* instance, const char* method, const char* request_json,
         char** response_json) {
  std::string name = method != nullptr ? method : "";
  std::string plugin = instance != nullptr ? instance->plugin_name : registered().definition.name;
  return run(plugin, name, response_json, [&]() -> Result<json> {
    if (instance == nullptr) return Error(ErrorCode::kInvalidArgument, "no instance", false);
    auto it = handlers().find(name);
    if (it == handlers().end()) {
      return Error(ErrorCode::kUnimplemented,
                   "plugin '" + plugin + "' has no method '" + name + "'", false);
    }
    json in = json::parse(request_json != nullptr ? request_json : "{}");
    return it->second(*instance, in);
  });
}

int call_streaming(wasl_instance* instance, const char* method, const char* request_json,
                   wasl_chunk_fn on_chunk, void* chunk_ctx, char** response_json) {
  std::string name = method != nullptr ? method : "";
  std::string plugin = instance != nullptr ? instance->plugin_name : registered().definition.name;
  return run(plugin, name, response_json, [&]() -> Result<json> {
    if (instance == nullptr || on_chunk == nullptr) {
      return Error(ErrorCode::kInvalidArgument, "no instance or chunk callback", false);
    }
    if (name != VideoProvider::kFetchMedia) {
      return Error(ErrorCode::kUnimplemented,
                   "plugin '" + plugin + "' has no streaming method '" + name + "'", false);
    }
    if (!instance->video) return no_capability(*instance, "video");
    MediaRef ref = json::parse(request_json != nullptr ? request_json : "{}").get<MediaRef>();
    ChunkSink sink = [&](std::string_view chunk) -> Status {
      int rc = on_chunk(chunk_ctx, reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
      if (rc == WASL_OK) return {};
      return Error(ErrorCode::kCancelled, "the hub stopped the media stream", false);
    };
    auto result = instance->video->fetch_media(ref, sink);
    if (!result.ok()) return result.error();
    return json(result.value());
  });
}

}  // namespace

std::uint32_t abi_version() noexcept { return WASL_ABI_VERSION; }

int register_plugin(RegisterFunction fn, const wasl_host_api* host,
                    wasl_plugin_registration* out) noexcept {
  if (out == nullptr) return WASL_ERROR;
  char* error = nullptr;
  int rc = run("(unregistered)", "register", &error, [&]() -> Result<json> {
    Registered& reg = registered();
    std::lock_guard lock(reg.mutex);
    PluginDefinition definition;
    WASL_RETURN_IF_ERROR(fn(definition));
    PluginInfo info = plugin_info(definition);
    if (info.name.empty()) {
      return Error(ErrorCode::kInvalidArgument, "the plugin registered no name", false);
    }
    reg.definition = std::move(definition);
    reg.info_json = json(info).dump();
    return json();
  });
  // Fill only what fits the host's struct; report the size filled.
  size_t host_size = out->struct_size;
  wasl_plugin_registration filled{};
  filled.struct_size =
      sizeof(wasl_plugin_registration) < host_size ? sizeof(wasl_plugin_registration) : host_size;
  filled.free_string = &free_string;
  if (rc == WASL_OK) {
    free_string(error);  // run() wrote the (null) result there
    error = nullptr;
    filled.info_json = registered().info_json.c_str();
    filled.create_instance = &create_instance;
    filled.destroy_instance = &destroy_instance;
    filled.call = &call;
    filled.call_streaming = &call_streaming;
  } else {
    filled.error_json = error;
  }
  std::memcpy(out, &filled, filled.struct_size);
  if (!WASL_STRUCT_HAS(&filled, wasl_plugin_registration, error_json)) free_string(error);
  return rc;
}

}  // namespace glue
}  // namespace wasl::sdk
