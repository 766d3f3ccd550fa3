#pragma once

#include <chrono>
#include <functional>

#include "src/base/event_loop.h"

namespace baton::providers::testing {

// Runs `loop` until `done()` or `limit` passes (a guard against hangs, not a speed check).
inline bool run_until(EventLoop& loop, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    loop.run_once(std::chrono::milliseconds(50));
  }
  return true;
}

// Runs `loop` for `duration`, whatever happens.
inline void run_for(EventLoop& loop, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) loop.run_once(std::chrono::milliseconds(10));
}

}  // namespace baton::providers::testing
