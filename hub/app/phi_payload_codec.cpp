#include "hub/app/phi_payload_codec.hpp"

namespace wasl::app {

sdk::Result<std::string> PhiPayloadCodec::encode(const nlohmann::json& value,
                                                 const workflow::PayloadLocation& where) const {
  return cipher_.encrypt(where.table, where.column, where.row_id, value.dump());
}

sdk::Result<nlohmann::json> PhiPayloadCodec::decode(const std::string& bytes,
                                                    const workflow::PayloadLocation& where) const {
  WASL_ASSIGN_OR_RETURN(std::string text,
                        cipher_.decrypt(where.table, where.column, where.row_id, bytes));
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      where.table + "." + where.column + " of row " + where.row_id +
                          " decrypted to something that is not JSON",
                      false);
  }
  return value;
}

}  // namespace wasl::app
