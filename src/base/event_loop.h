#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace baton {

// One thread's event loop: file-descriptor readiness (epoll), timers and posted tasks. Every
// wait in Baton happens here: HTTP transfers (libcurl multi), child-process pipes, backoff timers.
// Not thread-safe, except wake() and post_from_any_thread().
class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using Task = std::function<void()>;
  // Readiness bits given to an IoCallback and asked of watch().
  static constexpr unsigned kReadable = 1;
  static constexpr unsigned kWritable = 2;
  static constexpr unsigned kError = 4;  // error or hang-up; given, never asked for
  using IoCallback = std::function<void(unsigned ready)>;
  using TimerId = std::uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `callback` whenever `fd` is ready for any of `events`. Watching an fd that is already
  // watched replaces its events and callback.
  void watch(int fd, unsigned events, IoCallback callback);
  void unwatch(int fd);

  // Calls `task` once, `delay` from now. The id stays valid until the timer fires or is cancelled.
  TimerId add_timer(std::chrono::milliseconds delay, Task task);
  void cancel_timer(TimerId id);

  // Runs `task` on the loop's thread at the next turn, after the current callbacks.
  void post(Task task);
  // As post(), from any thread; wakes the loop.
  void post_from_any_thread(Task task);

  // Waits for at most `max_wait` (forever when negative) and runs what became due.
  // Returns false when there was nothing at all to wait for (no fd, timer or task).
  bool run_once(std::chrono::milliseconds max_wait = std::chrono::milliseconds(-1));
  // Runs turns until stop() or until there is nothing left to wait for.
  void run();
  void stop();

  // Called after every turn, once its callbacks ran: where the engine group-commits.
  void set_after_turn(Task task);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace baton
