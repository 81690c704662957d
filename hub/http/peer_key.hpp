// What the per-peer connection cap counts a client address under.
#pragma once

#include <string>
#include <string_view>

namespace wasl::http {

// An IPv6 address masked to its /64 (text form plus "/64"), since one host
// usually holds a whole /64 and can pick any address in it; an IPv4 address,
// or an IPv4-mapped IPv6 one, as its IPv4 text; anything unparsable
// unchanged.
std::string peer_key(std::string_view address);

}  // namespace wasl::http
