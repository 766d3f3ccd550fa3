#include "baton/engine.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <utility>

#include "src/base/event_loop.h"
#include "src/cache/caching_provider.h"
#include "src/cache/cassette.h"
#include "src/cache/recording_provider.h"
#include "src/cache/replay_provider.h"
#include "src/engine/answer_contract.h"
#include "src/engine/budget_event.h"
#include "src/engine/clock.h"
#include "src/engine/estimate.h"
#include "src/engine/evolution.h"
#include "src/engine/executor.h"
#include "src/engine/inputs.h"
#include "src/engine/price_table.h"
#include "src/engine/run_records.h"
#include "src/engine/value_json.h"
#include "src/lang/diagnostics.h"
#include "src/lang/loader.h"
#include "src/net/http_client.h"
#include "src/providers/anthropic_endpoint.h"
#include "src/providers/anthropic_provider.h"
#include "src/providers/command_provider.h"
#include "src/providers/fixture.h"
#include "src/providers/fixture_provider.h"
#include "src/providers/openai_endpoint.h"
#include "src/providers/openai_provider.h"
#include "src/providers/rate_limited_provider.h"
#include "src/store/journal.h"
#include "src/store/response_cache.h"
#include "src/tools/process.h"

namespace baton {

using engine::kReplayPrefix;
using engine::now_ms;

struct Engine::State {
  EngineOptions options;
  providers::EnvLookup environment;
  EventLoop loop;
  std::unique_ptr<store::Journal> journal;
  tools::ProcessRunner processes{loop};
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<providers::ModelProvider> openai;
  std::unique_ptr<providers::ModelProvider> anthropic;
  // The rate limits (`rate_limit:`) over the two APIs, shared by every run of this engine.
  std::unique_ptr<providers::RateLimitedProvider> limited_openai;
  std::unique_ptr<providers::RateLimitedProvider> limited_anthropic;
  std::unique_ptr<providers::ModelProvider> command;  // `provider: command` models
  std::shared_ptr<const providers::Fixture> fixture;
  std::unique_ptr<providers::ModelProvider> fixture_provider;
  engine::HandlerMap handlers;
  std::optional<engine::PriceTable> prices;  // loaded on first use
  std::function<void(const Event&)> listener;
  std::atomic<bool> cancel_flag{false};

  // The response cache, the cassettes and the decorators over the providers above (src/cache),
  // declared after what they wrap, so that they are destroyed first.
  std::unique_ptr<store::ResponseCache> cache;
  std::unique_ptr<providers::ModelProvider> cached_openai;
  std::unique_ptr<providers::ModelProvider> cached_anthropic;
  std::unique_ptr<providers::ModelProvider> cached_command;
  std::shared_ptr<const cache::Cassette> replay;
  std::unique_ptr<providers::ModelProvider> replay_provider;
  std::unique_ptr<cache::CassetteWriter> recording;
  std::map<providers::ModelProvider*, std::unique_ptr<cache::RecordingProvider>> recorders;

  // The provider that answers `model`, created on first use: the one that answers it (a
  // cassette, a fixture, or the model's API behind the response cache), recorded when asked to.
  Result<providers::ModelProvider*> provider_for(const lang::Model& model) {
    BATON_ASSIGN_OR_RETURN(providers::ModelProvider * answering, answering_provider(model));
    if (!recording) return answering;
    std::unique_ptr<cache::RecordingProvider>& recorder = recorders[answering];
    if (!recorder) recorder = std::make_unique<cache::RecordingProvider>(*answering, *recording);
    return recorder.get();
  }

  Result<providers::ModelProvider*> answering_provider(const lang::Model& model) {
    if (replay) {
      if (!replay_provider) replay_provider = cache::make_replay_provider(loop, replay);
      return replay_provider.get();
    }
    if (fixture) {
      if (!fixture_provider) fixture_provider = providers::make_fixture_provider(loop, fixture);
      return fixture_provider.get();
    }
    switch (model.provider) {
      case lang::Provider::kOpenAi:
        if (!http) http = std::make_unique<net::HttpClient>(loop);
        if (!openai) openai = providers::make_openai_provider(loop, *http, environment);
        return behind_cache(rate_limited(*openai, limited_openai), cached_openai);
      case lang::Provider::kAnthropic:
        if (!http) http = std::make_unique<net::HttpClient>(loop);
        if (!anthropic) anthropic = providers::make_anthropic_provider(loop, *http, environment);
        return behind_cache(rate_limited(*anthropic, limited_anthropic), cached_anthropic);
      case lang::Provider::kCommand:
        if (!command) command = providers::make_command_provider(loop, processes);
        return behind_cache(*command, cached_command);
      case lang::Provider::kFixture:
        return Error(ErrorCode::kFailedPrecondition,
                     "model '" + model.name + "' uses provider 'fixture': give a fixture file");
    }
    return Error(ErrorCode::kFailedPrecondition,
                 "model '" + model.name + "': provider '" +
                     std::string(lang::provider_name(model.provider)) + "' is not supported yet");
  }

  // Where a model's calls go (its effective base URL).
  std::string base_url_of(const lang::Model& model) const {
    if (model.provider == lang::Provider::kCommand) {  // the program, for the cache's key
      std::string argv = "command:";
      for (const std::string& arg : model.command) argv += std::string(1, '\0') + arg;
      return argv;
    }
    if (model.provider == lang::Provider::kAnthropic) {
      Result<providers::AnthropicEndpoint> endpoint =
          providers::resolve_anthropic_endpoint(model, environment);
      return endpoint ? endpoint->base_url : model.base_url;
    }
    Result<providers::OpenAiEndpoint> endpoint =
        providers::resolve_openai_endpoint(model, environment);
    return endpoint ? endpoint->base_url : model.base_url;
  }

  // The API key a model's calls count against, by the variable that holds it (never the key).
  std::string rate_limit_key(const lang::Model& model) const {
    std::string variable = model.api_key_env;
    if (variable.empty()) {
      if (model.provider == lang::Provider::kAnthropic) {
        Result<providers::AnthropicEndpoint> endpoint =
            providers::resolve_anthropic_endpoint(model, environment);
        if (endpoint) variable = endpoint->key_variable;
      } else if (Result<providers::OpenAiEndpoint> endpoint =
                     providers::resolve_openai_endpoint(model, environment)) {
        variable = endpoint->key_variable;
      }
    }
    return std::string(lang::provider_name(model.provider)) + " " + base_url_of(model) + " " +
           variable;
  }

  // `api` behind the rate limits of its models' keys.
  providers::ModelProvider& rate_limited(providers::ModelProvider& api,
                                         std::unique_ptr<providers::RateLimitedProvider>& limited) {
    if (!limited) {
      providers::RateLimitOptions limits;
      limits.key = [this](const lang::Model& model) { return rate_limit_key(model); };
      limits.tokens = [](const providers::ModelCall& call) {
        return engine::estimated_prompt_tokens(call.messages) + call.model->max_tokens.value_or(0);
      };
      limited = std::make_unique<providers::RateLimitedProvider>(loop, api, std::move(limits));
    }
    return *limited;
  }

  // `api` behind the response cache (`cached` holds the decorator), or `api` without a cache.
  Result<providers::ModelProvider*> behind_cache(
      providers::ModelProvider& api, std::unique_ptr<providers::ModelProvider>& cached) {
    if (cached) return cached.get();
    BATON_ASSIGN_OR_RETURN(store::ResponseCache * responses, response_cache());
    if (responses == nullptr) return &api;
    cache::CachingOptions caching;
    caching.base_url = [this](const lang::Model& model) { return base_url_of(model); };
    caching.cost_usd = [](const lang::Model& model, const providers::ModelUsage& usage) {
      return engine::call_cost_usd(model, usage.input_tokens, usage.output_tokens,
                                   usage.cached_input_tokens, usage.cache_creation_input_tokens);
    };
    cached = cache::make_caching_provider(loop, api, *responses, std::move(caching));
    return cached.get();
  }

  // cache_path, else cache.db beside the journal; nullopt when there is no cache.
  std::optional<std::string> cache_file() const {
    if (!options.use_cache) return std::nullopt;
    if (!options.cache_path.empty()) return options.cache_path;
    if (options.journal_path.empty() || options.journal_path == ":memory:") return std::nullopt;
    return (std::filesystem::path(options.journal_path).parent_path() / "cache.db").string();
  }

  Error no_cache_error() const {
    return Error(ErrorCode::kFailedPrecondition,
                 options.use_cache ? "there is no response cache: the journal is in memory and "
                                     "no cache file was given"
                                   : "the response cache is turned off");
  }

  // The response cache, opened on first use; nullptr when there is none.
  Result<store::ResponseCache*> response_cache() {
    if (cache) return cache.get();
    std::optional<std::string> path = cache_file();
    if (!path) return static_cast<store::ResponseCache*>(nullptr);
    BATON_ASSIGN_OR_RETURN(cache, store::ResponseCache::open(*path));
    return cache.get();
  }

  // The first cassette line that could not be written, if any.
  Status recording_status() const {
    for (const auto& [answering, recorder] : recorders) {
      if (!recorder->last_error()) return recorder->last_error();
    }
    return ok_status();
  }

  // Makes a model's rate_limit hold for its key before any call of the run is sent.
  void declare_rate_limit(const lang::Model& model) {
    if (fixture || replay) return;
    if (model.provider == lang::Provider::kOpenAi && limited_openai) {
      limited_openai->declare(model);
    } else if (model.provider == lang::Provider::kAnthropic && limited_anthropic) {
      limited_anthropic->declare(model);
    }
  }

  // Under a budget, every call's worst case must be known before it is sent.
  static Status check_budget(const lang::Workflow& workflow, const lang::Model& model) {
    if (workflow.budget.usd && !model.price) {
      return invalid_input("model '" + model.name +
                           "' has no price (its model is not in the price table), so budget.usd "
                           "cannot be kept: give it price: {input: USD, output: USD} (per million "
                           "tokens)");
    }
    if ((workflow.budget.usd || workflow.budget.tokens) && !model.max_tokens) {
      return invalid_input("model '" + model.name +
                           "' has no max_tokens, so the worst case of its calls under the "
                           "budget is unknown: give it max_tokens");
    }
    return ok_status();
  }

  // Every model a prompt step may call must be usable before the first step runs.
  Status check_models(const lang::Workflow& workflow) {
    for (const lang::Step& step : workflow.steps) {
      const lang::PromptStep* prompt = step.prompt();
      if (prompt == nullptr) continue;
      const lang::Model* model = workflow.find_model(prompt->model);
      if (model == nullptr) continue;
      std::vector<const lang::Model*> chain{model};
      for (const std::string& name : model->fallback) chain.push_back(workflow.find_model(name));
      for (const lang::Model* candidate : chain) {
        if (candidate == nullptr) continue;
        BATON_TRY(check_budget(workflow, *candidate));
        BATON_ASSIGN_OR_RETURN(providers::ModelProvider * provider, provider_for(*candidate));
        (void)provider;
        if (fixture || replay) continue;
        // A missing key is found now, before anything runs, rather than at the step's call.
        const auto refused = [&step](auto endpoint) -> Status {
          if (endpoint) return ok_status();
          return std::move(endpoint).error().with_context("step '" + step.id + "'");
        };
        if (candidate->provider == lang::Provider::kOpenAi) {
          BATON_TRY(refused(providers::resolve_openai_endpoint(*candidate, environment)));
        } else if (candidate->provider == lang::Provider::kAnthropic) {
          BATON_TRY(refused(providers::resolve_anthropic_endpoint(*candidate, environment)));
        }
      }
    }
    // Declared on every model, so that a limit holds for all models sharing its key.
    for (const lang::Model& model : workflow.models) declare_rate_limit(model);
    return ok_status();
  }

  // Models that declare no `price:` get the price table's: Baton's, then the user's file.
  Result<std::shared_ptr<const lang::Workflow>> priced(lang::Workflow workflow) {
    if (!prices) {
      BATON_ASSIGN_OR_RETURN(engine::PriceTable table, engine::load_price_table(environment));
      prices = std::move(table);
    }
    engine::fill_prices(workflow, *prices);
    return std::make_shared<const lang::Workflow>(std::move(workflow));
  }

  // Every `call:` step needs a handler registered with this engine.
  Status check_handlers(const lang::Workflow& workflow) const {
    for (const lang::Step& step : workflow.steps) {
      const lang::CallStep* call = step.call();
      if (call == nullptr || handlers.contains(call->handler)) continue;
      return invalid_input("step '" + step.id + "' calls '" + call->handler +
                           "', which no handler is registered for: call steps run in programs "
                           "that embed Baton and register it (Engine::register_handler)");
    }
    return ok_status();
  }

  Result<store::RunRecord> find(std::string_view id) {
    BATON_ASSIGN_OR_RETURN(auto exact, journal->find_run(id));
    if (exact) return std::move(*exact);
    BATON_ASSIGN_OR_RETURN(auto matches, journal->find_runs_by_prefix(id, 2));
    if (matches.size() == 1) return journal->find_run(matches[0].id).value().value();
    if (matches.empty()) return not_found("no run '" + std::string(id) + "'");
    return invalid_input("'" + std::string(id) + "' is the start of several run ids");
  }

  // The workflow last loaded, kept so that run() right after start_run() (or show after run)
  // does not load the same text again: loading is most of the cost of a short run of a large
  // workflow. A workflow depends only on its source and file name.
  // A workflow depends only on its source, file name and the run's step overrides.
  struct LoadedWorkflow {
    std::string file;
    std::string source;
    std::string overrides_json;
    std::shared_ptr<const lang::Workflow> workflow;
  };
  LoadedWorkflow last_loaded;

  void remember(const store::RunRecord& run, std::shared_ptr<const lang::Workflow> workflow) {
    last_loaded.file = run.workflow_file;
    last_loaded.source = run.workflow_source;
    last_loaded.overrides_json = run.overrides_json;
    last_loaded.workflow = std::move(workflow);
  }

  Result<std::shared_ptr<const lang::Workflow>> workflow_of(const store::RunRecord& run) {
    if (last_loaded.workflow && last_loaded.file == run.workflow_file &&
        last_loaded.source == run.workflow_source &&
        last_loaded.overrides_json == run.overrides_json) {
      return last_loaded.workflow;
    }
    BATON_ASSIGN_OR_RETURN(std::vector<lang::StepOverride> overrides,
                           engine::overrides_from_json(run.overrides_json));
    lang::LoadResult loaded =
        lang::load_workflow(run.workflow_source, run.workflow_file, overrides);
    if (!loaded.ok()) {
      return Error(ErrorCode::kDataLoss,
                   "the workflow recorded with run " + run.id + " no longer loads: " +
                       lang::format_diagnostics(loaded.diagnostics, run.workflow_source));
    }
    BATON_ASSIGN_OR_RETURN(auto workflow, priced(std::move(*loaded.workflow)));
    remember(run, workflow);
    return workflow;
  }

  // The run's workflow file as it is now, with the run's overrides; nullptr when the file is
  // unchanged or can no longer be read.
  Result<std::shared_ptr<const lang::Workflow>> changed_file_of(const store::RunRecord& run,
                                                                std::string& source) {
    Result<std::string> text = lang::read_workflow_file(run.workflow_file);
    if (!text || engine::content_hash(*text) == run.workflow_hash) {
      return std::shared_ptr<const lang::Workflow>();
    }
    BATON_ASSIGN_OR_RETURN(std::vector<lang::StepOverride> overrides,
                           engine::overrides_from_json(run.overrides_json));
    lang::LoadResult loaded = lang::load_workflow(*text, run.workflow_file, overrides);
    if (!loaded.ok()) {
      return invalid_input("the workflow file changed since run " + run.id +
                           " started and no longer loads:\n" +
                           lang::format_diagnostics(loaded.diagnostics, *text));
    }
    source = std::move(*text);
    return priced(std::move(*loaded.workflow));
  }

  // The steps waiting for a human, and those waiting for a larger budget.
  Status add_waiting_steps(RunSummary& summary) {
    BATON_ASSIGN_OR_RETURN(auto steps, journal->steps(summary.id));
    for (const store::StepRecord& step : steps) {
      if (step.status != store::StepStatus::kWaiting) continue;
      (engine::waits_for_budget(step) ? summary.over_budget : summary.waiting)
          .push_back(engine::step_label(step.step_id, step.item));
    }
    return ok_status();
  }

  Result<RunSummary> summarize(const store::RunRecord& run) {
    RunSummary summary = engine::to_summary(run);
    summary.active = engine::is_executing(run);
    if (run.status == store::RunStatus::kWaiting) BATON_TRY(add_waiting_steps(summary));
    return summary;
  }
};

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options) {
  auto state = std::make_unique<State>();
  state->environment = options.environment ? options.environment : providers::process_environment();
  if (options.journal_path.empty()) {
    state->journal = store::make_memory_journal();
  } else {
    auto durability = options.durability == Durability::kFull ? store::Durability::kFull
                                                              : store::Durability::kProcess;
    BATON_ASSIGN_OR_RETURN(state->journal,
                           store::open_sqlite_journal(options.journal_path, durability));
  }
  if (!options.fixture_path.empty()) {
    BATON_ASSIGN_OR_RETURN(providers::Fixture fixture,
                           providers::load_fixture(options.fixture_path));
    state->fixture = std::make_shared<const providers::Fixture>(std::move(fixture));
  }
  if (!options.replay_path.empty()) {
    if (!options.fixture_path.empty()) {
      return invalid_input("give a fixture or a cassette to replay, not both");
    }
    BATON_ASSIGN_OR_RETURN(cache::Cassette cassette, cache::load_cassette(options.replay_path));
    state->replay = std::make_shared<const cache::Cassette>(std::move(cassette));
  }
  if (!options.record_path.empty()) {
    BATON_ASSIGN_OR_RETURN(state->recording, cache::CassetteWriter::open(options.record_path));
  }
  if (options.concurrency < 1) return invalid_input("concurrency must be at least 1");
  state->options = std::move(options);
  return std::unique_ptr<Engine>(new Engine(std::move(state)));
}

void Engine::register_handler(std::string name, StepHandler handler) {
  state_->handlers[std::move(name)] = std::move(handler);
}

void Engine::on_event(std::function<void(const Event&)> listener) {
  state_->listener = std::move(listener);
}

Result<CostEstimate> Engine::estimate(
    const std::string& workflow_file,
    const std::vector<std::pair<std::string, std::string>>& inputs) {
  BATON_ASSIGN_OR_RETURN(std::string source, lang::read_workflow_file(workflow_file));
  lang::LoadResult loaded = lang::load_workflow(source, workflow_file);
  if (!loaded.ok()) {
    return invalid_input(lang::format_diagnostics(loaded.diagnostics, source));
  }
  BATON_ASSIGN_OR_RETURN(auto workflow, state_->priced(std::move(*loaded.workflow)));
  BATON_ASSIGN_OR_RETURN(lang::Value resolved, engine::resolve_inputs(*workflow, inputs));
  return engine::estimate_cost(*workflow, resolved);
}

Result<std::string> Engine::start_run(
    const std::string& workflow_file,
    const std::vector<std::pair<std::string, std::string>>& inputs) {
  BATON_ASSIGN_OR_RETURN(std::string source, lang::read_workflow_file(workflow_file));
  lang::LoadResult loaded = lang::load_workflow(source, workflow_file);
  if (!loaded.ok()) {
    return invalid_input(lang::format_diagnostics(loaded.diagnostics, source));
  }
  BATON_ASSIGN_OR_RETURN(auto shared, state_->priced(std::move(*loaded.workflow)));
  const lang::Workflow& workflow = *shared;
  BATON_ASSIGN_OR_RETURN(lang::Value resolved, engine::resolve_inputs(workflow, inputs));
  BATON_TRY(state_->check_models(workflow));
  BATON_TRY(state_->check_handlers(workflow));

  store::RunRecord run;
  run.id = engine::new_run_id();
  run.workflow_name = workflow.name;
  run.workflow_file = workflow_file;
  run.workflow_hash = engine::content_hash(source);
  run.workflow_source = std::move(source);
  run.inputs_json = engine::to_json_text(resolved);
  run.status = store::RunStatus::kRunning;
  run.created_ms = run.updated_ms = now_ms();
  if (!state_->options.fixture_path.empty()) {
    run.fixture = std::filesystem::absolute(state_->options.fixture_path).lexically_normal();
  } else if (!state_->options.replay_path.empty()) {
    run.fixture =
        std::string(kReplayPrefix) +
        std::filesystem::absolute(state_->options.replay_path).lexically_normal().string();
  }
  BATON_TRY(state_->journal->create_run(run));
  BATON_TRY(state_->journal->commit());
  state_->remember(run, std::move(shared));
  return run.id;
}

Result<RunSummary> Engine::run(std::string_view run_id) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  if (run.status == store::RunStatus::kSucceeded || run.status == store::RunStatus::kCancelled) {
    return state.summarize(run);
  }
  engine::LocalRun local(run.id);
  if (!local.claimed()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " is being executed by this process");
  }
  if (!run.owner.empty() && engine::owner_is_alive(run.owner)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " is being executed by process " + run.owner);
  }
  if (!state.fixture && !state.replay && run.fixture.starts_with(kReplayPrefix)) {
    // A run started from a cassette goes on with it: a resume never switches to paid calls.
    BATON_ASSIGN_OR_RETURN(cache::Cassette cassette,
                           cache::load_cassette(run.fixture.substr(kReplayPrefix.size())));
    state.replay = std::make_shared<const cache::Cassette>(std::move(cassette));
  } else if (!state.fixture && !state.replay && !run.fixture.empty()) {
    // The same for a fixture.
    BATON_ASSIGN_OR_RETURN(providers::Fixture fixture, providers::load_fixture(run.fixture));
    state.fixture = std::make_shared<const providers::Fixture>(std::move(fixture));
  }
  BATON_ASSIGN_OR_RETURN(auto workflow, state.workflow_of(run));
  BATON_TRY(state.check_models(*workflow));
  BATON_TRY(state.check_handlers(*workflow));
  std::string me = engine::this_process_owner();
  BATON_TRY(state.journal->claim_run(run.id, run.owner, me));

  bool resumed = run.created_ms != run.updated_ms || run.status != store::RunStatus::kRunning;
  run.owner = me;
  run.status = store::RunStatus::kRunning;
  run.error.clear();
  run.updated_ms = now_ms();
  BATON_TRY(state.journal->update_run(run));

  engine::Services services;
  services.loop = &state.loop;
  services.journal = state.journal.get();
  services.processes = &state.processes;
  services.provider_for = [&state](const lang::Model& model) { return state.provider_for(model); };
  services.handlers = &state.handlers;
  services.listener = state.listener;
  services.concurrency = state.options.concurrency;
  services.cancel_flag = &state.cancel_flag;

  Result<store::RunRecord> finished = [&] {
    engine::RunExecutor executor(std::move(services), workflow, run, resumed);
    return executor.execute();
  }();
  state.cancel_flag = false;  // consumed: a request made before run() started counts too
  if (state.cache) (void)state.cache->commit();  // a lost entry costs one call, later
  Status released = state.journal->claim_run(run.id, me, "");
  if (!finished) return std::move(finished).error();
  BATON_TRY(released);
  BATON_TRY(state.recording_status());
  finished->owner.clear();
  return state.summarize(*finished);
}

void Engine::request_cancel() { state_->cancel_flag = true; }

Status Engine::cancel(std::string_view run_id) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  if (run.status == store::RunStatus::kSucceeded || run.status == store::RunStatus::kCancelled) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " has already " +
                     (run.status == store::RunStatus::kSucceeded ? "succeeded" : "been cancelled"));
  }
  bool running_elsewhere = engine::is_executing(run);
  run.status = store::RunStatus::kCancelled;
  run.updated_ms = now_ms();
  BATON_TRY(state.journal->update_run(run));
  if (!running_elsewhere) {  // the process running it would do this itself
    BATON_ASSIGN_OR_RETURN(auto steps, state.journal->steps(run.id));
    for (store::StepRecord& step : steps) {
      if (step.status != store::StepStatus::kWaiting && step.status != store::StepStatus::kRunning)
        continue;
      step.status = store::StepStatus::kCancelled;
      step.error = "cancelled";
      step.ended_ms = run.updated_ms;
      BATON_TRY(state.journal->put_step(run.id, step));
    }
  }
  store::EventRecord event;
  event.time_ms = run.updated_ms;
  event.type = running_elsewhere ? "cancel_requested" : "run_cancelled";
  event.data_json = "{}";
  BATON_TRY(state.journal->append_event(run.id, event));
  return state.journal->commit();
}

Status Engine::set_budget(std::string_view run_id, const BudgetLimits& limits) {
  State& state = *state_;
  if ((limits.usd && !(*limits.usd > 0)) || (limits.tokens && *limits.tokens <= 0)) {
    return invalid_input("a budget must be more than 0");
  }
  if (!limits.usd && !limits.tokens) return ok_status();
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  if (run.status == store::RunStatus::kSucceeded || run.status == store::RunStatus::kCancelled) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " has " + std::string(store::run_status_name(run.status)) +
                     ": its budget can no longer change");
  }
  BATON_ASSIGN_OR_RETURN(auto workflow, state.workflow_of(run));
  lang::Budget budget;
  budget.usd = limits.usd;
  budget.tokens = limits.tokens;
  // Every call must have a known worst case under the new budget too.
  lang::Workflow checked = *workflow;
  if (budget.usd) checked.budget.usd = budget.usd;
  if (budget.tokens) checked.budget.tokens = budget.tokens;
  BATON_TRY(state.check_models(checked));
  store::EventRecord event;
  event.time_ms = now_ms();
  event.type = "budget_set";
  event.data_json = engine::budget_json(budget);
  BATON_TRY(state.journal->append_event(run.id, event));
  return state.journal->commit();
}

Status Engine::decide(std::string_view run_id, std::string_view step, const Decision& decision) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  if (run.status == store::RunStatus::kCancelled) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " has been cancelled: its steps wait for nothing");
  }
  BATON_ASSIGN_OR_RETURN(engine::StepLabel label, engine::parse_step_label(step));
  BATON_ASSIGN_OR_RETURN(auto steps, state.journal->steps(run.id));
  const store::StepRecord* found = nullptr;
  std::vector<std::string> known;
  for (const store::StepRecord& record : steps) {
    known.push_back(engine::step_label(record.step_id, record.item));
    if (record.step_id == label.id && record.item == label.item) found = &record;
  }
  if (found == nullptr) {
    return not_found("run " + run.id + " has no step '" + std::string(step) + "'" +
                     lang::did_you_mean(step, known));
  }
  if (found->status != store::StepStatus::kWaiting) {
    return Error(ErrorCode::kFailedPrecondition,
                 "step '" + std::string(step) + "' of run " + run.id + " is not waiting (it " +
                     std::string(store::step_status_name(found->status)) + ")");
  }
  if (engine::waits_for_budget(*found)) {
    return Error(
        ErrorCode::kFailedPrecondition,
        "step '" + std::string(step) + "' of run " + run.id +
            " waits for a larger budget, not for a decision: raise it with `baton resume " +
            run.id + " --budget-usd N` (or --budget-tokens N), or cancel the run");
  }
  if (!decision.value_json.empty() && !lang::value_from_json(decision.value_json)) {
    return invalid_input("the value is not JSON: " + decision.value_json);
  }
  BATON_ASSIGN_OR_RETURN(auto workflow, state.workflow_of(run));
  const lang::Step* spec = workflow->find_step(label.id);
  if (spec != nullptr && spec->prompt() != nullptr && decision.approved) {
    if (decision.value_json.empty()) {
      return invalid_input("step '" + std::string(step) +
                           "' is a prompt step: approving it needs the answer to use, given "
                           "with --value (or --edit)");
    }
    Result<lang::Value> checked = engine::check_answer(
        spec->prompt()->output, engine::answer_from_value_json(decision.value_json));
    if (!checked) {
      return invalid_input("the value does not pass the output contract of step '" +
                           std::string(step) + "': " + checked.error().message());
    }
  }
  store::DecisionRecord record;
  record.step_id = label.id;
  record.item = label.item;
  record.approved = decision.approved;
  record.value_json = decision.value_json;
  record.reason = decision.reason;
  record.decided_ms = now_ms();
  // What the conductor was shown, kept beside the answer so that an edit can be diffed.
  if (Result<lang::Value> shown = lang::value_from_json(found->result_json);
      shown && shown->is_dict()) {
    const lang::Value* show = shown->as_dict().find("show");
    if (show != nullptr && show->is_string()) record.original = show->as_string();
  }
  BATON_TRY(state.journal->put_decision(run.id, record));
  store::EventRecord event;
  event.time_ms = record.decided_ms;
  event.type = "step_decided";
  event.step_id = label.id;
  event.item = label.item;
  event.data_json = std::string("{\"approved\":") + (decision.approved ? "true" : "false") +
                    ",\"reason\":" + engine::json_string(decision.reason) + "}";
  BATON_TRY(state.journal->append_event(run.id, event));
  return state.journal->commit();
}

Result<std::string> Engine::rerun(std::string_view run_id, const RerunOptions& options) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord parent, state.find(run_id));
  BATON_ASSIGN_OR_RETURN(auto before, state.workflow_of(parent));
  if (before->find_step(options.from_step) == nullptr) {
    std::vector<std::string> ids;
    for (const lang::Step& step : before->steps) ids.push_back(step.id);
    return invalid_input("run " + parent.id + " has no step '" + options.from_step + "'" +
                         lang::did_you_mean(options.from_step, ids));
  }
  lang::StepOverride change;
  change.step = options.from_step;
  if (!options.prompt_file.empty()) {
    Result<std::string> text = lang::read_workflow_file(options.prompt_file);
    if (!text) {
      return invalid_input("cannot read the prompt file: " + text.error().message());
    }
    Result<lang::Template> parsed = lang::Template::parse(*text);
    if (!parsed) {
      const Error& error = parsed.error();
      std::string where = options.prompt_file;
      if (error.span()) {
        where +=
            ":" + std::to_string(error.span()->line) + ":" + std::to_string(error.span()->column);
      }
      return invalid_input(where + ": " + error.message());
    }
    change.prompt = std::move(*text);
  }
  if (!options.model.empty()) {
    if (before->find_model(options.model) == nullptr) {
      std::vector<std::string> names;
      for (const lang::Model& model : before->models) names.push_back(model.name);
      return invalid_input("workflow '" + before->name + "' has no model '" + options.model + "'" +
                           lang::did_you_mean(options.model, names));
    }
    change.model = options.model;
  }

  store::RunRecord run;
  run.id = engine::new_run_id();
  run.workflow_name = parent.workflow_name;
  run.workflow_file = parent.workflow_file;
  run.workflow_source = parent.workflow_source;
  run.workflow_hash = parent.workflow_hash;
  run.inputs_json = parent.inputs_json;
  run.parent_run = parent.id;
  run.rerun_from = options.from_step;
  BATON_ASSIGN_OR_RETURN(std::vector<lang::StepOverride> overrides,
                         engine::overrides_from_json(parent.overrides_json));
  if (change.prompt || change.model) overrides = engine::merge_override(overrides, change);
  run.overrides_json = engine::overrides_to_json(overrides);
  // Checked whole, as a workflow file is: the new prompt may read what the old one did not.
  lang::LoadResult loaded = lang::load_workflow(run.workflow_source, run.workflow_file, overrides);
  if (!loaded.ok()) {
    return invalid_input("the changed step '" + options.from_step + "' does not check:\n" +
                         lang::format_diagnostics(loaded.diagnostics, run.workflow_source));
  }
  BATON_ASSIGN_OR_RETURN(auto workflow, state.priced(std::move(*loaded.workflow)));
  state.remember(run, workflow);
  BATON_TRY(state.check_models(*workflow));
  BATON_TRY(state.check_handlers(*workflow));

  run.status = store::RunStatus::kRunning;
  run.created_ms = run.updated_ms = now_ms();
  // It answers as its parent did (the same fixture or cassette) unless told otherwise.
  if (!state.options.fixture_path.empty()) {
    run.fixture = std::filesystem::absolute(state.options.fixture_path).lexically_normal();
  } else if (!state.options.replay_path.empty()) {
    run.fixture = std::string(kReplayPrefix) +
                  std::filesystem::absolute(state.options.replay_path).lexically_normal().string();
  } else {
    run.fixture = parent.fixture;
  }
  BATON_TRY(state.journal->create_run(run));

  const std::vector<bool> downstream =
      engine::downstream_of(*workflow, workflow->step_index.at(options.from_step));
  BATON_ASSIGN_OR_RETURN(auto records, state.journal->steps(parent.id));
  for (store::StepRecord& record : records) {
    auto index = workflow->step_index.find(record.step_id);
    if (index == workflow->step_index.end() || downstream[index->second]) continue;
    if (record.status != store::StepStatus::kSucceeded &&
        record.status != store::StepStatus::kSkipped)
      continue;
    record.fingerprint = engine::fingerprint_of(record, *before);
    record.reused_from = parent.id;
    record.attempts = 0;
    BATON_TRY(state.journal->put_step(run.id, record));
    store::EventRecord event;
    event.time_ms = run.created_ms;
    event.type = "step_reused";
    event.step_id = record.step_id;
    event.item = record.item;
    event.data_json = "{\"from_run\":" + engine::json_string(parent.id) + "}";
    BATON_TRY(state.journal->append_event(run.id, event));
  }
  BATON_TRY(state.journal->commit());
  return run.id;
}

Result<WorkflowChanges> Engine::workflow_changes(std::string_view run_id) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  std::string source;
  BATON_ASSIGN_OR_RETURN(auto now, state.changed_file_of(run, source));
  if (!now) return WorkflowChanges{};
  BATON_ASSIGN_OR_RETURN(auto then, state.workflow_of(run));
  BATON_ASSIGN_OR_RETURN(auto records, state.journal->steps(run.id));
  return engine::compare_workflows(*then, *now, records);
}

Result<WorkflowChanges> Engine::adopt_workflow_file(std::string_view run_id) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  if (run.status == store::RunStatus::kSucceeded || run.status == store::RunStatus::kCancelled) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " has " + std::string(store::run_status_name(run.status)) +
                     ": its workflow can no longer change");
  }
  if (engine::is_executing(run)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "run " + run.id + " is being executed by process " + run.owner);
  }
  std::string source;
  BATON_ASSIGN_OR_RETURN(auto now, state.changed_file_of(run, source));
  if (!now) return WorkflowChanges{};
  BATON_ASSIGN_OR_RETURN(auto then, state.workflow_of(run));
  BATON_ASSIGN_OR_RETURN(auto records, state.journal->steps(run.id));
  WorkflowChanges changes = engine::compare_workflows(*then, *now, records);
  // Records from before fingerprints were kept get the one they were computed under, so that
  // the executor can tell them apart from the new definitions.
  for (store::StepRecord& record : records) {
    if (!record.fingerprint.empty()) continue;
    record.fingerprint = engine::fingerprint_of(record, *then);
    BATON_TRY(state.journal->put_step(run.id, record));
  }
  run.workflow_name = now->name;
  run.workflow_source = std::move(source);
  run.workflow_hash = engine::content_hash(run.workflow_source);
  BATON_TRY(state.journal->set_run_workflow(run));
  auto json_list = [](const std::vector<std::string>& names) {
    std::string list;
    for (const std::string& name : names) {
      list += (list.empty() ? "" : ",") + engine::json_string(name);
    }
    return "[" + list + "]";
  };
  store::EventRecord event;
  event.time_ms = now_ms();
  event.type = "workflow_changed";
  event.data_json = "{\"hash\":" + engine::json_string(run.workflow_hash) +
                    ",\"changed\":" + json_list(changes.changed_steps) +
                    ",\"rerun\":" + json_list(changes.rerun) + "}";
  BATON_TRY(state.journal->append_event(run.id, event));
  BATON_TRY(state.journal->commit());
  state.remember(run, now);
  return changes;
}

Result<RunSummary> Engine::summary(std::string_view run_id) {
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state_->find(run_id));
  return state_->summarize(run);
}

Result<RunDetail> Engine::detail(std::string_view run_id) {
  State& state = *state_;
  BATON_ASSIGN_OR_RETURN(store::RunRecord run, state.find(run_id));
  BATON_ASSIGN_OR_RETURN(auto steps, state.journal->steps(run.id));
  BATON_ASSIGN_OR_RETURN(auto attempts, state.journal->attempts(run.id));
  BATON_ASSIGN_OR_RETURN(auto decisions, state.journal->decisions(run.id));
  BATON_ASSIGN_OR_RETURN(auto workflow, state.workflow_of(run));
  BATON_ASSIGN_OR_RETURN(RunSummary summary, state.summarize(run));
  return engine::to_detail(std::move(summary), run, *workflow, steps, attempts, decisions);
}

Result<std::vector<RunSummary>> Engine::runs(std::size_t limit) {
  BATON_ASSIGN_OR_RETURN(auto runs, state_->journal->list_runs(limit));
  std::vector<RunSummary> summaries;
  for (const store::RunRecord& run : runs) summaries.push_back(engine::to_summary(run));
  return summaries;
}

Result<CacheStats> Engine::cache_stats() {
  State& state = *state_;
  std::optional<std::string> path = state.cache_file();
  if (!path) return state.no_cache_error();
  CacheStats stats;
  stats.path = *path;
  if (!state.cache && !std::filesystem::exists(*path)) return stats;  // nothing cached yet
  BATON_ASSIGN_OR_RETURN(store::ResponseCache * cache, state.response_cache());
  BATON_ASSIGN_OR_RETURN(store::ResponseCacheStats found, cache->stats());
  stats.entries = found.entries;
  stats.bytes = found.bytes;
  stats.hits = found.hits;
  stats.saved_usd = found.saved_usd;
  return stats;
}

Result<std::int64_t> Engine::clear_cache(std::optional<std::chrono::milliseconds> older_than) {
  State& state = *state_;
  std::optional<std::string> path = state.cache_file();
  if (!path) return state.no_cache_error();
  if (!state.cache && !std::filesystem::exists(*path)) return 0;
  BATON_ASSIGN_OR_RETURN(store::ResponseCache * cache, state.response_cache());
  std::optional<std::int64_t> before;
  if (older_than) before = now_ms() - older_than->count();
  return cache->clear(before);
}

std::string_view run_status_name(RunStatus status) {
  return store::run_status_name(static_cast<store::RunStatus>(status));
}

}  // namespace baton
