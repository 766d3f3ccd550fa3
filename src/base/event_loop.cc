#include "src/base/event_loop.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "src/base/check.h"

namespace baton {
namespace {

// epoll_event.data carries the fd in the low 32 bits and the watch's generation in the high
// ones. An event read in this turn for an fd that was unwatched, closed, reused and watched again
// by an earlier callback of the same turn then no longer matches and is dropped.
constexpr std::uint64_t kWakeToken = ~std::uint64_t{0};

std::uint64_t pack(int fd, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

std::uint32_t to_epoll(unsigned events) {
  std::uint32_t bits = 0;
  if (events & EventLoop::kReadable) bits |= EPOLLIN;
  if (events & EventLoop::kWritable) bits |= EPOLLOUT;
  return bits;
}

unsigned from_epoll(std::uint32_t bits) {
  unsigned ready = 0;
  if (bits & (EPOLLIN | EPOLLPRI)) ready |= EventLoop::kReadable;
  if (bits & EPOLLOUT) ready |= EventLoop::kWritable;
  if (bits & (EPOLLERR | EPOLLHUP)) ready |= EventLoop::kError;
  return ready;
}

}  // namespace

struct EventLoop::State {
  struct Watch {
    unsigned events = 0;
    std::uint32_t generation = 0;
    // Shared so that dispatch can keep the callback alive while it runs, even if the callback
    // unwatches its fd or replaces itself.
    std::shared_ptr<IoCallback> callback;
  };
  struct TimerEntry {
    Clock::time_point deadline;
    TimerId id;
    // Min-heap on (deadline, id): equal deadlines fire in the order they were added.
    bool operator>(const TimerEntry& other) const {
      return deadline != other.deadline ? deadline > other.deadline : id > other.id;
    }
  };

  int epoll_fd = -1;
  int wake_fd = -1;
  std::uint32_t next_generation = 1;
  std::unordered_map<int, Watch> watches;

  TimerId next_timer_id = 1;
  // Cancelled timers leave their heap entry behind; a heap entry counts only while its id is
  // still in `timer_tasks`.
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timer_heap;
  std::unordered_map<TimerId, Task> timer_tasks;

  std::vector<Task> posted;
  std::mutex remote_mutex;
  std::vector<Task> remote;  // guarded by remote_mutex

  Task after_turn;
  std::atomic<bool> stop_requested{false};

  void wake() const {
    std::uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: the loop will wake anyway.
    [[maybe_unused]] ssize_t written = ::write(wake_fd, &one, sizeof one);
  }

  void drain_wake_fd() const {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t got = ::read(wake_fd, &count, sizeof count);
  }

  bool has_remote() {
    std::lock_guard lock(remote_mutex);
    return !remote.empty();
  }

  // Drops heap entries of cancelled timers from the top, so that the top is a live timer.
  void prune_timer_heap() {
    while (!timer_heap.empty() && !timer_tasks.contains(timer_heap.top().id)) timer_heap.pop();
    // Frequent cancel-and-re-add (curl resets its one timer constantly) would otherwise grow the
    // heap without bound.
    if (timer_heap.size() > 64 && timer_heap.size() > 4 * timer_tasks.size()) {
      std::vector<TimerEntry> live;
      live.reserve(timer_tasks.size());
      while (!timer_heap.empty()) {
        if (timer_tasks.contains(timer_heap.top().id)) live.push_back(timer_heap.top());
        timer_heap.pop();
      }
      timer_heap = decltype(timer_heap)(std::greater<>(), std::move(live));
    }
  }

  int wait_timeout_ms(std::chrono::milliseconds max_wait, bool tasks_ready) {
    if (tasks_ready) return 0;
    std::int64_t wait_ms = max_wait.count() < 0 ? -1 : max_wait.count();
    prune_timer_heap();
    if (!timer_heap.empty()) {
      auto until = timer_heap.top().deadline - Clock::now();
      // Round up: waking before the deadline would only spin through empty turns.
      auto until_ms = std::chrono::ceil<std::chrono::milliseconds>(until).count();
      until_ms = std::max<std::int64_t>(until_ms, 0);
      wait_ms = wait_ms < 0 ? until_ms : std::min(wait_ms, until_ms);
    }
    return static_cast<int>(std::min<std::int64_t>(wait_ms, INT_MAX));
  }

  void dispatch_io(const epoll_event& event) {
    if (event.data.u64 == kWakeToken) {
      drain_wake_fd();
      return;
    }
    int fd = static_cast<int>(event.data.u64 & 0xffffffffu);
    auto generation = static_cast<std::uint32_t>(event.data.u64 >> 32);
    auto found = watches.find(fd);
    if (found == watches.end() || found->second.generation != generation) return;
    unsigned ready = from_epoll(event.events);
    // Level-triggered epoll may report a direction the watch no longer asks for when an earlier
    // callback of this turn narrowed it.
    ready &= found->second.events | kError;
    if (ready == 0) return;
    std::shared_ptr<IoCallback> callback = found->second.callback;
    (*callback)(ready);
  }

  void fire_due_timers() {
    auto now = Clock::now();
    std::vector<TimerId> due;
    prune_timer_heap();
    while (!timer_heap.empty() && timer_heap.top().deadline <= now) {
      due.push_back(timer_heap.top().id);
      timer_heap.pop();
    }
    for (TimerId id : due) {
      // An earlier callback of this turn may have cancelled this timer.
      auto found = timer_tasks.find(id);
      if (found == timer_tasks.end()) continue;
      Task task = std::move(found->second);
      timer_tasks.erase(found);
      task();
    }
  }
};

EventLoop::EventLoop() : state_(std::make_unique<State>()) {
  state_->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  BATON_CHECK(state_->epoll_fd >= 0, "epoll_create1 failed");
  state_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  BATON_CHECK(state_->wake_fd >= 0, "eventfd failed");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeToken;
  int added = ::epoll_ctl(state_->epoll_fd, EPOLL_CTL_ADD, state_->wake_fd, &event);
  BATON_CHECK(added == 0, "epoll_ctl on the wake eventfd failed");
}

EventLoop::~EventLoop() {
  ::close(state_->wake_fd);
  ::close(state_->epoll_fd);
}

void EventLoop::watch(int fd, unsigned events, IoCallback callback) {
  BATON_CHECK(fd >= 0, "watch() of a negative fd");
  auto [found, inserted] = state_->watches.try_emplace(fd);
  State::Watch& entry = found->second;
  if (inserted) entry.generation = state_->next_generation++;
  entry.events = events;
  entry.callback = std::make_shared<IoCallback>(std::move(callback));

  epoll_event event{};
  event.events = to_epoll(events);
  event.data.u64 = pack(fd, entry.generation);
  int op = inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  int rc = ::epoll_ctl(state_->epoll_fd, op, fd, &event);
  // The fd was closed (which drops it from epoll) and its number reused without an unwatch, or
  // epoll knew it from before: fall back to the other operation.
  if (rc != 0 && errno == ENOENT) rc = ::epoll_ctl(state_->epoll_fd, EPOLL_CTL_ADD, fd, &event);
  if (rc != 0 && errno == EEXIST) rc = ::epoll_ctl(state_->epoll_fd, EPOLL_CTL_MOD, fd, &event);
  BATON_CHECK(rc == 0, "epoll_ctl failed: watch() needs an open, pollable fd");
}

void EventLoop::unwatch(int fd) {
  auto found = state_->watches.find(fd);
  if (found == state_->watches.end()) return;
  state_->watches.erase(found);
  // Fails harmlessly when the fd was already closed.
  ::epoll_ctl(state_->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::add_timer(std::chrono::milliseconds delay, Task task) {
  TimerId id = state_->next_timer_id++;
  delay = std::max(delay, std::chrono::milliseconds(0));
  state_->timer_heap.push({Clock::now() + delay, id});
  state_->timer_tasks.emplace(id, std::move(task));
  return id;
}

void EventLoop::cancel_timer(TimerId id) { state_->timer_tasks.erase(id); }

void EventLoop::post(Task task) { state_->posted.push_back(std::move(task)); }

void EventLoop::post_from_any_thread(Task task) {
  {
    std::lock_guard lock(state_->remote_mutex);
    state_->remote.push_back(std::move(task));
  }
  state_->wake();
}

bool EventLoop::run_once(std::chrono::milliseconds max_wait) {
  State& state = *state_;
  bool tasks_ready = !state.posted.empty() || state.has_remote();
  if (!tasks_ready && state.watches.empty() && state.timer_tasks.empty()) return false;

  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  int timeout_ms = state.wait_timeout_ms(max_wait, tasks_ready);
  int count = ::epoll_wait(state.epoll_fd, events, kMaxEvents, timeout_ms);
  if (count < 0) count = 0;  // EINTR: run what is due and come back

  // Tasks posted by this turn's callbacks wait for the next turn.
  std::vector<Task> ready = std::move(state.posted);
  state.posted.clear();
  {
    std::lock_guard lock(state.remote_mutex);
    for (Task& task : state.remote) ready.push_back(std::move(task));
    state.remote.clear();
  }

  for (int index = 0; index < count; ++index) state.dispatch_io(events[index]);
  state.fire_due_timers();
  for (Task& task : ready) task();
  if (state.after_turn) {
    Task after_turn = state.after_turn;
    after_turn();
  }
  return true;
}

void EventLoop::run() {
  while (!state_->stop_requested.exchange(false)) {
    if (!run_once()) return;
  }
}

void EventLoop::stop() {
  state_->stop_requested = true;
  state_->wake();
}

void EventLoop::set_after_turn(Task task) { state_->after_turn = std::move(task); }

}  // namespace baton
