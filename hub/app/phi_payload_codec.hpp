// PhiPayloadCodec: the engine's payloads (run triggers, step outputs,
// events) encrypted through the store layer's PhiCipher, each ciphertext
// bound to its table, column and row. It connects hub/workflow's seam to the
// encryption core without either depending on the other.
#pragma once

#include "hub/records/phi_cipher.hpp"
#include "hub/workflow/payload_codec.hpp"

namespace wasl::app {

class PhiPayloadCodec final : public workflow::PayloadCodec {
 public:
  // `cipher` must outlive the codec.
  explicit PhiPayloadCodec(const records::PhiCipher& cipher) : cipher_(cipher) {}

  sdk::Result<std::string> encode(const nlohmann::json& value,
                                  const workflow::PayloadLocation& where) const override;
  sdk::Result<nlohmann::json> decode(const std::string& bytes,
                                     const workflow::PayloadLocation& where) const override;

 private:
  const records::PhiCipher& cipher_;
};

}  // namespace wasl::app
