#pragma once

// Whether this test binary is built with AddressSanitizer (the asan preset).
// Tests that measure peak RSS skip that one assertion under it: ASan keeps
// freed blocks in a quarantine (256 MiB by default) and maps shadow memory
// for every page touched, so a streaming loop's RSS grows with the bytes it
// passed through even when the code holds only a few buffers at a time.
// Everything else these tests check still runs.

namespace wasl::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace wasl::testing
