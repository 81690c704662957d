#include "hub/workflow/payload_codec.hpp"

namespace wasl::workflow {

sdk::Result<std::string> PlainPayloadCodec::encode(const nlohmann::json& value,
                                                   const PayloadLocation&) const {
  try {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception&) {
    return sdk::Error(sdk::ErrorCode::kInternal, "a workflow payload could not be written as JSON");
  }
}

sdk::Result<nlohmann::json> PlainPayloadCodec::decode(const std::string& bytes,
                                                      const PayloadLocation& where) const {
  if (bytes.empty()) return nlohmann::json();
  auto parsed = nlohmann::json::parse(bytes, nullptr, false);
  if (parsed.is_discarded()) {
    return sdk::Error(sdk::ErrorCode::kInternal, "the stored payload in " + where.table + "." +
                                                     where.column + " of row " + where.row_id +
                                                     " is not JSON");
  }
  return parsed;
}

}  // namespace wasl::workflow
