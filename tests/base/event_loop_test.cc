#include "src/base/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace baton {
namespace {

using std::chrono::milliseconds;

// Generous bound that only catches hangs.
constexpr auto kHangLimit = std::chrono::seconds(20);

// Runs turns until `done` or a hang.
template <typename Pred>
void run_until(EventLoop& loop, Pred done) {
  auto start = EventLoop::Clock::now();
  while (!done()) {
    ASSERT_LT(EventLoop::Clock::now() - start, kHangLimit) << "loop hung";
    loop.run_once(milliseconds(100));
  }
}

struct Pipe {
  int read_fd = -1;
  int write_fd = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    read_fd = fds[0];
    write_fd = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read_fd >= 0) ::close(read_fd);
    read_fd = -1;
  }
  void close_write() {
    if (write_fd >= 0) ::close(write_fd);
    write_fd = -1;
  }
  void write(const std::string& text) const {
    ASSERT_EQ(::write(write_fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
};

TEST(EventLoopTest, RunOnceIsFalseWhenIdle) {
  EventLoop loop;
  EXPECT_FALSE(loop.run_once());
  EXPECT_FALSE(loop.run_once(milliseconds(10)));
  loop.run();  // returns at once
}

TEST(EventLoopTest, TimersFireInDeadlineOrder) {
  EventLoop loop;
  std::vector<int> order;
  loop.add_timer(milliseconds(30), [&] { order.push_back(3); });
  loop.add_timer(milliseconds(0), [&] { order.push_back(1); });
  loop.add_timer(milliseconds(10), [&] { order.push_back(2); });
  loop.add_timer(milliseconds(30), [&] { order.push_back(4); });  // same deadline: added later
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_FALSE(loop.run_once());
}

TEST(EventLoopTest, TimerDoesNotFireEarly) {
  EventLoop loop;
  auto start = EventLoop::Clock::now();
  EventLoop::Clock::time_point fired;
  loop.add_timer(milliseconds(20), [&] { fired = EventLoop::Clock::now(); });
  loop.run();
  EXPECT_GE(fired - start, milliseconds(20));
}

TEST(EventLoopTest, CancelledTimerDoesNotFire) {
  EventLoop loop;
  bool fired = false;
  EventLoop::TimerId id = loop.add_timer(milliseconds(5), [&] { fired = true; });
  loop.cancel_timer(id);
  loop.cancel_timer(id);     // twice is harmless
  loop.cancel_timer(12345);  // unknown ids too
  EXPECT_FALSE(loop.run_once());
  EXPECT_FALSE(fired);
}

TEST(EventLoopTest, TimerCancelsALaterTimerDueInTheSameTurn) {
  EventLoop loop;
  bool second_fired = false;
  EventLoop::TimerId second = 0;
  loop.add_timer(milliseconds(1), [&] { loop.cancel_timer(second); });
  second = loop.add_timer(milliseconds(1), [&] { second_fired = true; });
  std::this_thread::sleep_for(milliseconds(5));  // both due in one turn
  loop.run();
  EXPECT_FALSE(second_fired);
}

TEST(EventLoopTest, ManyCancelledTimersDoNotKeepTheLoopBusy) {
  EventLoop loop;
  EventLoop::TimerId id = 0;
  for (int round = 0; round < 10000; ++round) {
    loop.cancel_timer(id);
    id = loop.add_timer(milliseconds(1000 + round), [] {});
  }
  loop.cancel_timer(id);
  EXPECT_FALSE(loop.run_once());
}

TEST(EventLoopTest, PostedTasksRunInOrderOnTheNextTurn) {
  EventLoop loop;
  std::vector<int> order;
  loop.post([&] {
    order.push_back(1);
    loop.post([&] { order.push_back(3); });  // a later turn
  });
  loop.post([&] { order.push_back(2); });
  EXPECT_TRUE(loop.run_once(milliseconds(0)));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_TRUE(loop.run_once(milliseconds(0)));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(loop.run_once());
}

TEST(EventLoopTest, AfterTurnRunsAfterTheTurnsCallbacks) {
  EventLoop loop;
  std::vector<std::string> log;
  loop.set_after_turn([&] { log.push_back("after"); });
  loop.post([&] { log.push_back("task"); });
  loop.add_timer(milliseconds(0), [&] { log.push_back("timer"); });
  EXPECT_TRUE(loop.run_once());
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back(), "after");
  EXPECT_EQ(std::count(log.begin(), log.end(), "after"), 1);
}

TEST(EventLoopTest, PipeReadinessCallsBack) {
  EventLoop loop;
  Pipe pipe;
  std::string received;
  bool eof = false;
  loop.watch(pipe.read_fd, EventLoop::kReadable, [&](unsigned ready) {
    EXPECT_TRUE(ready & (EventLoop::kReadable | EventLoop::kError));
    char buffer[64];
    ssize_t got = ::read(pipe.read_fd, buffer, sizeof buffer);
    if (got > 0) {
      received.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0) {
      eof = true;
      loop.unwatch(pipe.read_fd);
    }
  });
  pipe.write("hello");
  run_until(loop, [&] { return received == "hello"; });
  pipe.write(" world");
  pipe.close_write();
  run_until(loop, [&] { return eof; });
  EXPECT_EQ(received, "hello world");
  EXPECT_FALSE(loop.run_once());
}

TEST(EventLoopTest, WritableFdCallsBack) {
  EventLoop loop;
  Pipe pipe;
  int calls = 0;
  loop.watch(pipe.write_fd, EventLoop::kWritable, [&](unsigned ready) {
    EXPECT_TRUE(ready & EventLoop::kWritable);
    ++calls;
    loop.unwatch(pipe.write_fd);
  });
  loop.run();
  EXPECT_EQ(calls, 1);
}

TEST(EventLoopTest, ClosedReaderGivesErrorToWriter) {
  EventLoop loop;
  Pipe pipe;
  unsigned seen = 0;
  pipe.close_read();
  loop.watch(pipe.write_fd, EventLoop::kWritable, [&](unsigned ready) {
    seen = ready;
    loop.unwatch(pipe.write_fd);
  });
  loop.run();
  EXPECT_TRUE(seen & EventLoop::kError);
}

TEST(EventLoopTest, WatchAgainReplacesEventsAndCallback) {
  EventLoop loop;
  Pipe pipe;
  int first = 0;
  int second = 0;
  loop.watch(pipe.read_fd, EventLoop::kReadable, [&](unsigned) { ++first; });
  loop.watch(pipe.read_fd, EventLoop::kReadable, [&](unsigned) {
    ++second;
    loop.unwatch(pipe.read_fd);
  });
  pipe.write("x");
  loop.run();
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

TEST(EventLoopTest, CallbackMayUnwatchAnotherReadyFd) {
  EventLoop loop;
  Pipe first;
  Pipe second;
  int calls = 0;
  auto callback = [&](unsigned) {
    ++calls;
    loop.unwatch(first.read_fd);
    loop.unwatch(second.read_fd);
  };
  loop.watch(first.read_fd, EventLoop::kReadable, callback);
  loop.watch(second.read_fd, EventLoop::kReadable, callback);
  first.write("a");
  second.write("b");
  loop.run();
  EXPECT_EQ(calls, 1);  // whichever ran first removed the other before its dispatch
}

TEST(EventLoopTest, CallbackMayDestroyItsOwnerAndClosure) {
  EventLoop loop;
  Pipe pipe;
  struct Owner {
    std::string payload = std::string(100, 'x');
  };
  auto owner = std::make_unique<Owner>();
  std::string seen;
  // The closure captures a copy of a big string; replacing the watch from inside would destroy
  // the closure while it runs unless dispatch keeps it alive.
  std::string captured(1000, 'y');
  loop.watch(pipe.read_fd, EventLoop::kReadable, [&, captured](unsigned) {
    owner.reset();
    loop.unwatch(pipe.read_fd);
    seen = captured;  // still valid
  });
  pipe.write("go");
  loop.run();
  EXPECT_EQ(owner, nullptr);
  EXPECT_EQ(seen, std::string(1000, 'y'));
}

TEST(EventLoopTest, ReusedFdNumberInTheSameTurnIsNotConfused) {
  EventLoop loop;
  auto first = std::make_unique<Pipe>();
  auto second = std::make_unique<Pipe>();
  int stale_calls = 0;
  int fresh_calls = 0;
  std::unique_ptr<Pipe> replacement;
  first->write("a");
  second->write("b");
  // Whichever fires first closes the other pipe and reuses its fd number for a fresh, empty pipe.
  auto make_callback = [&](Pipe* self, Pipe* other) {
    return [&, self, other](unsigned) {
      if (replacement) {
        ++stale_calls;
        return;
      }
      char buffer[8];
      EXPECT_GT(::read(self->read_fd, buffer, sizeof buffer), 0);
      int reused = other->read_fd;
      loop.unwatch(reused);
      other->close_read();
      replacement = std::make_unique<Pipe>();
      // pipe2 takes the lowest free numbers, so the replacement reuses `reused`.
      EXPECT_EQ(replacement->read_fd, reused);
      loop.watch(replacement->read_fd, EventLoop::kReadable, [&](unsigned) { ++fresh_calls; });
      loop.unwatch(self->read_fd);
    };
  };
  loop.watch(first->read_fd, EventLoop::kReadable, make_callback(first.get(), second.get()));
  loop.watch(second->read_fd, EventLoop::kReadable, make_callback(second.get(), first.get()));
  EXPECT_TRUE(loop.run_once(milliseconds(1000)));
  EXPECT_EQ(stale_calls, 0);
  EXPECT_EQ(fresh_calls, 0);  // the fresh pipe is empty
  loop.unwatch(replacement->read_fd);
}

TEST(EventLoopTest, PostFromAnyThreadWakesTheLoop) {
  EventLoop loop;
  std::thread::id loop_thread = std::this_thread::get_id();
  int received = 0;
  bool ran_on_loop_thread = true;
  // A far timer keeps the loop waiting, so only the wake can bring the tasks in.
  EventLoop::TimerId keep_alive = loop.add_timer(std::chrono::hours(1), [] {});
  std::thread poster([&] {
    for (int task = 0; task < 100; ++task) {
      loop.post_from_any_thread([&] {
        ++received;
        ran_on_loop_thread = ran_on_loop_thread && std::this_thread::get_id() == loop_thread;
      });
    }
  });
  run_until(loop, [&] { return received == 100; });
  poster.join();
  EXPECT_TRUE(ran_on_loop_thread);
  loop.cancel_timer(keep_alive);
  EXPECT_FALSE(loop.run_once());
}

TEST(EventLoopTest, PostFromAnyThreadCountsAsPendingWork) {
  EventLoop loop;
  bool ran = false;
  std::thread poster([&] { loop.post_from_any_thread([&] { ran = true; }); });
  poster.join();
  loop.run();
  EXPECT_TRUE(ran);
}

TEST(EventLoopTest, StopEndsRunAfterTheTurn) {
  EventLoop loop;
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks == 3) {
      loop.stop();
      return;
    }
    loop.add_timer(milliseconds(1), tick);
  };
  loop.add_timer(milliseconds(1), tick);
  EventLoop::TimerId pending = loop.add_timer(std::chrono::hours(1), [] {});
  loop.run();  // returns although a timer is pending
  EXPECT_EQ(ticks, 3);
  loop.cancel_timer(pending);
}

TEST(EventLoopTest, StopFromAnotherThreadEndsRun) {
  EventLoop loop;
  EventLoop::TimerId pending = loop.add_timer(std::chrono::hours(1), [] {});
  std::thread stopper([&] { loop.stop(); });
  loop.run();
  stopper.join();
  loop.cancel_timer(pending);
}

TEST(EventLoopTest, RunOnceHonoursMaxWait) {
  EventLoop loop;
  EventLoop::TimerId pending = loop.add_timer(std::chrono::hours(1), [] {});
  EXPECT_TRUE(loop.run_once(milliseconds(1)));  // returns without running the timer
  loop.cancel_timer(pending);
}

}  // namespace
}  // namespace baton
