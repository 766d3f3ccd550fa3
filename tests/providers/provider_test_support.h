#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "src/base/event_loop.h"
#include "src/net/http_client.h"
#include "src/providers/environment.h"
#include "src/providers/provider.h"
#include "tests/fake_server/fake_openai_server.h"
#include "tests/providers/loop_helpers.h"

namespace baton::providers::testing {

inline EnvLookup env_of(std::map<std::string, std::string, std::less<>> variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    if (found == variables.end()) return std::nullopt;
    return found->second;
  };
}

// Every string of an outcome, for "the key is nowhere" checks.
inline std::vector<std::string> strings_of(const ModelOutcome& outcome) {
  std::vector<std::string> strings = {outcome.request_json, outcome.response_body};
  if (outcome.reply) {
    strings.push_back(outcome.reply->text);
    strings.push_back(outcome.reply->model);
    strings.push_back(outcome.reply->finish_reason);
    for (const ToolCall& call : outcome.reply->tool_calls) strings.push_back(call.arguments);
  } else {
    strings.push_back(outcome.reply.error().message());
  }
  return strings;
}

// A provider against the real fake server on 127.0.0.1: each call's outcome and deltas are
// recorded by index. Subclasses set provider_ in SetUp() after calling this one's.
class ProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<int> port = server_.start();
    ASSERT_TRUE(port) << port.error().message();
  }

  // Starts `call` (streamed when `stream`); its outcome lands in outcomes_[index] and its deltas
  // in deltas_[index]. `on_delta` runs after each delta is recorded.
  ModelProvider::CallId start(ModelCall call, bool stream = false,
                              std::function<void(std::size_t index)> on_delta = nullptr) {
    const std::size_t index = outcomes_.size();
    outcomes_.emplace_back();
    deltas_.emplace_back();
    if (stream) {
      call.on_delta = [this, index, on_delta](std::string_view text) {
        EXPECT_FALSE(outcomes_[index].has_value()) << "a delta after the outcome";
        EXPECT_FALSE(text.empty()) << "an empty delta";
        deltas_[index].emplace_back(text);
        if (on_delta) on_delta(index);
      };
    }
    return provider_->start(call, [this, index](ModelOutcome outcome) {
      EXPECT_FALSE(outcomes_[index].has_value()) << "two outcomes";
      outcomes_[index] = std::move(outcome);
    });
  }

  bool all_done() const {
    for (const auto& outcome : outcomes_) {
      if (!outcome) return false;
    }
    return true;
  }

  const ModelOutcome& run_one(const ModelCall& call, bool stream = false) {
    start(call, stream);
    EXPECT_TRUE(run_until(loop_, [&] { return all_done(); }));
    return *outcomes_.back();
  }

  std::string streamed_text(std::size_t index) const {
    std::string text;
    for (const std::string& delta : deltas_[index]) text += delta;
    return text;
  }

  std::map<std::string, std::string> headers_of(std::size_t request) const {
    const std::vector<fake::RecordedRequest> requests = server_.requests();
    return {requests.at(request).headers.begin(), requests.at(request).headers.end()};
  }

  fake::FakeOpenAiServer server_;
  EventLoop loop_;
  net::HttpClient http_{loop_};
  std::unique_ptr<ModelProvider> provider_;
  std::vector<std::optional<ModelOutcome>> outcomes_;
  std::vector<std::vector<std::string>> deltas_;
};

}  // namespace baton::providers::testing
