// PayloadCodec: how the engine turns a JSON payload (a run's trigger, a step's
// output, an event) into the bytes of a *_enc column and back. The seam where
// the encryption core plugs in: an implementation that encrypts binds each
// ciphertext to its row through `where` (table, row id, column).
//
// Implementations must be thread-safe: every engine worker calls them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// The row and column a payload is stored in (associated data for a cipher).
struct PayloadLocation {
  std::string table;
  std::string row_id;
  std::string column;
};

class PayloadCodec {
 public:
  virtual ~PayloadCodec() = default;
  virtual sdk::Result<std::string> encode(const nlohmann::json& value,
                                          const PayloadLocation& where) const = 0;
  // kInternal when `bytes` were not produced by encode() for `where`.
  virtual sdk::Result<nlohmann::json> decode(const std::string& bytes,
                                             const PayloadLocation& where) const = 0;
};

// Stores the compact JSON text as it is. Until the encryption core is wired
// in, *_enc columns written through it hold plaintext.
class PlainPayloadCodec final : public PayloadCodec {
 public:
  sdk::Result<std::string> encode(const nlohmann::json& value,
                                  const PayloadLocation& where) const override;
  sdk::Result<nlohmann::json> decode(const std::string& bytes,
                                     const PayloadLocation& where) const override;
};

}  // namespace wasl::workflow
