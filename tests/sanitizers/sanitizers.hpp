#pragma once

// Whether this test binary is built with AddressSanitizer (the asan preset)
// or ThreadSanitizer (the tsan preset). Tests that measure peak RSS skip that
// one assertion under either (kPeakRssIsMeasurable): ASan keeps freed blocks
// in a quarantine (256 MiB by default) and maps shadow memory for every page
// touched, and TSan maps shadow memory for every page touched and allocates
// from its own heap, so a streaming loop's RSS grows with the bytes it passed
// through even when the code holds only a few buffers at a time. Everything
// else these tests check still runs. A latency bound that cannot hold under
// ThreadSanitizer's slowdown is widened where it is checked (kThreadSanitizer).

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

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

inline constexpr bool kPeakRssIsMeasurable = !kAddressSanitizer && !kThreadSanitizer;

}  // namespace wasl::testing
