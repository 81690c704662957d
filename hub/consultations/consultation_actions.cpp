#include "hub/consultations/consultation_actions.hpp"

#include "hub/domain/consultation.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::consultations {

void add_consultation_actions(workflow::HubActions& actions, const config::Config& config,
                              const records::CellCipher& cipher) {
  const workflow::HubActions::Entry* builtin = actions.find("hub.set_status");
  if (!builtin) return;
  workflow::HubAction set_status = builtin->action;
  actions.add(
      "hub.set_status", workflow::HubActionMode::kInTransaction,
      [set_status, &config, &cipher](const workflow::HubActionContext& ctx,
                                     const nlohmann::json& input) -> sdk::Result<nlohmann::json> {
        WASL_ASSIGN_OR_RETURN(nlohmann::json output, set_status(ctx, input));
        auto room = input.find("room_id");
        if (room != input.end() && room->is_string() && !room->get<std::string>().empty() &&
            !ctx.consultation_id.empty()) {
          // The run's video instance (kept from its start), where the room was opened.
          std::string instance = workflow::bound_instance(ctx.bindings, {}, "video");
          if (auto f = config.facilities.find(ctx.facility_id);
              instance.empty() && f != config.facilities.end()) {
            if (auto b = f->second.bindings.find("video"); b != f->second.bindings.end()) {
              instance = b->second;
            }
          }
          records::ConsultationStore consultations(cipher);
          WASL_RETURN_IF_ERROR(consultations.set_room(*ctx.tx, ctx.facility_id,
                                                      ctx.consultation_id, instance,
                                                      room->get<std::string>(), ctx.now_ms));
        }
        return output;
      });
}

}  // namespace wasl::consultations
