#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "baton/engine.h"

namespace baton::cli {

// What `baton run` and `resume` print while a run goes.
//   kTerminal: one line per step (state, elapsed time, tokens), redrawn in place
//   kPlain:    one line per event (not a terminal, or NO_COLOR)
//   kJson:     one JSON object per event; the last line is the run summary
class LiveView {
 public:
  enum class Mode { kTerminal, kPlain, kJson };
  static Mode choose(bool json);

  explicit LiveView(Mode mode) : mode_(mode) {}
  void on_event(const Event& event);
  // The end of one execution: the summary line(s).
  void finish(const RunSummary& summary);

 private:
  struct Line {
    std::string label;
    std::string state;
    std::int64_t started_ms = 0;
    std::int64_t ended_ms = 0;
    std::int64_t tokens = 0;
  };
  void redraw(bool force);
  std::string format_line(const Line& line, std::int64_t now_ms) const;

  Mode mode_;
  std::vector<Line> lines_;
  std::map<std::string, std::size_t> line_of_;
  std::size_t drawn_ = 0;  // lines on screen from the last redraw
  std::chrono::steady_clock::time_point last_redraw_{};
  int cached_calls_ = 0;  // answered by the response cache in this execution
  double saved_usd_ = 0;
};

}  // namespace baton::cli
