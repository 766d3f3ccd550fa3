#pragma once

#include <chrono>
#include <cstdint>

namespace baton::engine {

// Wall-clock milliseconds since the Unix epoch: the journal's timestamps.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace baton::engine
