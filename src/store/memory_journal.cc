// The in-memory journal: the SQLite journal's behaviour (the same orders, the same error codes)
// with maps and vectors, and nothing to commit.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "src/store/journal.h"

namespace baton::store {
namespace {

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// Records keyed by (step_id, item), listed in key order as the SQLite journal lists them.
// A hash map, sorted only when listed: the engine puts a record for every step it finishes and
// lists them only when it resumes a run or shows one.
template <typename Record>
class KeyedRecords {
 public:
  void put(const Record& record) {
    auto found = records_.find(Key{record.step_id, record.item});
    if (found != records_.end()) {
      found->second = record;
    } else {
      records_.emplace(OwnedKey{record.step_id, record.item}, record);
    }
  }
  std::vector<Record> list() const {
    std::vector<const Record*> sorted;
    sorted.reserve(records_.size());
    for (const auto& [key, record] : records_) sorted.push_back(&record);
    // std::string compares bytes as unsigned, like SQLite's BINARY collation.
    std::sort(sorted.begin(), sorted.end(), [](const Record* a, const Record* b) {
      const int order = a->step_id.compare(b->step_id);
      return order != 0 ? order < 0 : a->item < b->item;
    });
    std::vector<Record> list;
    list.reserve(sorted.size());
    for (const Record* record : sorted) list.push_back(*record);
    return list;
  }

 private:
  struct Key {
    std::string_view step_id;
    int item;
  };
  struct OwnedKey {
    std::string step_id;
    int item;
  };
  struct Hash {
    using is_transparent = void;
    template <typename K>
    std::size_t operator()(const K& key) const {
      return std::hash<std::string_view>()(key.step_id) * 31 + static_cast<std::size_t>(key.item);
    }
  };
  struct Equal {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return a.item == b.item && std::string_view(a.step_id) == std::string_view(b.step_id);
    }
  };

  std::unordered_map<OwnedKey, Record, Hash, Equal> records_;
};

struct RunData {
  RunRecord run;
  std::uint64_t created_order = 0;  // breaks ties between runs created in the same millisecond
  KeyedRecords<StepRecord> steps;
  std::vector<AttemptRecord> attempts;  // increasing ids
  KeyedRecords<DecisionRecord> decisions;
  std::vector<EventRecord> events;  // increasing seqs
};

class MemoryJournal final : public Journal {
 public:
  Status create_run(const RunRecord& run) override {
    auto [found, inserted] = runs_.try_emplace(run.id);
    if (!inserted) {
      return Error(ErrorCode::kAlreadyExists, "creating run " + in_quotes(run.id) + ": it exists");
    }
    found->second.run = run;
    found->second.created_order = ++created_count_;
    return ok_status();
  }

  Status update_run(const RunRecord& run) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run.id, "updating run"));
    RunRecord& stored = data->run;
    stored.inputs_json = run.inputs_json;
    stored.status = run.status;
    stored.outputs_json = run.outputs_json;
    stored.error = run.error;
    stored.updated_ms = run.updated_ms;
    stored.input_tokens = run.input_tokens;
    stored.output_tokens = run.output_tokens;
    stored.cost_usd = run.cost_usd;
    stored.fixture = run.fixture;
    stored.owner = run.owner;
    return ok_status();
  }

  Result<std::optional<RunRecord>> find_run(std::string_view id) override {
    auto found = runs_.find(id);
    if (found == runs_.end()) return std::optional<RunRecord>();
    return std::optional<RunRecord>(found->second.run);
  }

  Result<std::vector<RunRecord>> find_runs_by_prefix(std::string_view prefix,
                                                     std::size_t limit) override {
    std::vector<const RunData*> matches;
    for (auto it = runs_.lower_bound(prefix);
         it != runs_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
      matches.push_back(&it->second);
    }
    return newest_first(std::move(matches), limit, /*with_source=*/true);
  }

  Result<std::vector<RunRecord>> list_runs(std::size_t limit) override {
    std::vector<const RunData*> all;
    all.reserve(runs_.size());
    for (const auto& [id, data] : runs_) all.push_back(&data);
    return newest_first(std::move(all), limit, /*with_source=*/false);
  }

  Status set_run_workflow(const RunRecord& run) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run.id, "changing the workflow of run"));
    data->run.workflow_name = run.workflow_name;
    data->run.workflow_source = run.workflow_source;
    data->run.workflow_hash = run.workflow_hash;
    return ok_status();
  }

  Status claim_run(std::string_view run_id, std::string_view expected_owner,
                   std::string_view new_owner) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run_id, "claiming run"));
    if (data->run.owner != expected_owner) {
      return Error(ErrorCode::kConflict, "claiming run " + in_quotes(run_id) + " for " +
                                             in_quotes(new_owner) + ": its owner is no longer " +
                                             in_quotes(expected_owner));
    }
    data->run.owner = new_owner;
    return ok_status();
  }

  Status put_step(std::string_view run_id, const StepRecord& step) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run_id, "saving a step of run"));
    data->steps.put(step);
    return ok_status();
  }

  Result<std::vector<StepRecord>> steps(std::string_view run_id) override {
    auto found = runs_.find(run_id);
    if (found == runs_.end()) return std::vector<StepRecord>();
    return found->second.steps.list();
  }

  Status add_attempt(std::string_view run_id, AttemptRecord& attempt) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run_id, "recording an attempt of run"));
    attempt.id = ++last_attempt_id_;
    data->attempts.push_back(attempt);
    return ok_status();
  }

  Status finish_attempt(std::string_view run_id, const AttemptRecord& attempt) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run_id, "finishing an attempt of run"));
    auto found = std::lower_bound(
        data->attempts.begin(), data->attempts.end(), attempt.id,
        [](const AttemptRecord& stored, std::int64_t id) { return stored.id < id; });
    if (found == data->attempts.end() || found->id != attempt.id) {
      return not_found("finishing attempt " + std::to_string(attempt.id) + " of run " +
                       in_quotes(run_id) + ": no such attempt");
    }
    found->status = attempt.status;
    found->response_json = attempt.response_json;
    found->error = attempt.error;
    found->ended_ms = attempt.ended_ms;
    found->input_tokens = attempt.input_tokens;
    found->output_tokens = attempt.output_tokens;
    found->cached_input_tokens = attempt.cached_input_tokens;
    found->cache_write_tokens = attempt.cache_write_tokens;
    found->feedback = attempt.feedback;
    found->answer = attempt.answer;
    return ok_status();
  }

  Result<std::vector<AttemptRecord>> attempts(std::string_view run_id) override {
    auto found = runs_.find(run_id);
    if (found == runs_.end()) return std::vector<AttemptRecord>();
    return found->second.attempts;
  }

  Status put_decision(std::string_view run_id, const DecisionRecord& decision) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run_id, "saving a decision of run"));
    data->decisions.put(decision);
    return ok_status();
  }

  Result<std::vector<DecisionRecord>> decisions(std::string_view run_id) override {
    auto found = runs_.find(run_id);
    if (found == runs_.end()) return std::vector<DecisionRecord>();
    return found->second.decisions.list();
  }

  Status append_event(std::string_view run_id, EventRecord& event) override {
    BATON_ASSIGN_OR_RETURN(RunData * data, find(run_id, "appending an event to run"));
    event.seq = data->events.empty() ? 1 : data->events.back().seq + 1;
    data->events.push_back(event);
    return ok_status();
  }

  Result<std::vector<EventRecord>> events(std::string_view run_id,
                                          std::int64_t after_seq) override {
    auto found = runs_.find(run_id);
    if (found == runs_.end()) return std::vector<EventRecord>();
    const std::vector<EventRecord>& all = found->second.events;
    auto first = std::upper_bound(
        all.begin(), all.end(), after_seq,
        [](std::int64_t seq, const EventRecord& event) { return seq < event.seq; });
    return std::vector<EventRecord>(first, all.end());
  }

  Status commit() override { return ok_status(); }

 private:
  // kNotFound names the run, as SQLite's foreign keys do for the file journal.
  Result<RunData*> find(std::string_view run_id, std::string_view what) {
    auto found = runs_.find(run_id);
    if (found == runs_.end()) {
      return not_found(std::string(what) + " " + in_quotes(run_id) + ": no such run");
    }
    return &found->second;
  }

  static std::vector<RunRecord> newest_first(std::vector<const RunData*> runs, std::size_t limit,
                                             bool with_source) {
    std::sort(runs.begin(), runs.end(), [](const RunData* a, const RunData* b) {
      return std::tie(a->run.created_ms, a->created_order) >
             std::tie(b->run.created_ms, b->created_order);
    });
    if (runs.size() > limit) runs.resize(limit);
    std::vector<RunRecord> records;
    records.reserve(runs.size());
    for (const RunData* data : runs) {
      records.push_back(data->run);
      if (!with_source) records.back().workflow_source.clear();
    }
    return records;
  }

  std::map<std::string, RunData, std::less<>> runs_;
  std::uint64_t created_count_ = 0;
  std::int64_t last_attempt_id_ = 0;
};

}  // namespace

std::unique_ptr<Journal> make_memory_journal() { return std::make_unique<MemoryJournal>(); }

}  // namespace baton::store
