#include "src/providers/openai_provider.h"

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "src/lang/workflow.h"
#include "src/providers/openai_codec.h"

namespace baton::providers {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

// Real keys are long; a short test key ("x") would otherwise mangle ordinary words.
constexpr std::size_t kShortestSecret = 8;

void scrub(std::string& text, const std::string& secret) {
  if (secret.size() < kShortestSecret) return;
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + kRedacted.size())) {
    text.replace(at, secret.size(), kRedacted);
  }
}

// Belt and braces for invariant 4: a server may echo what it was sent, key included.
void scrub(ModelOutcome& outcome, const std::optional<std::string>& key) {
  if (!key) return;
  scrub(outcome.request_json, *key);
  scrub(outcome.response_body, *key);
  if (outcome.reply) {
    scrub(outcome.reply->text, *key);
    scrub(outcome.reply->model, *key);
    scrub(outcome.reply->finish_reason, *key);
  } else if (outcome.reply.error().message().find(*key) != std::string::npos) {
    std::string message = outcome.reply.error().message();
    scrub(message, *key);
    Error error(outcome.reply.error().code(), std::move(message));
    if (outcome.reply.error().span()) error.with_span(*outcome.reply.error().span());
    outcome.reply = std::move(error);
  }
}

Error with_prefix(Error error, std::string_view prefix) {
  return std::move(error).with_context(prefix);
}

class OpenAiProvider final : public ModelProvider {
 public:
  OpenAiProvider(EventLoop& loop, net::HttpClient& http, EnvLookup env)
      : loop_(loop), http_(http), env_(std::move(env)) {}

  ~OpenAiProvider() override {
    for (const auto& [id, request] : pending_) {
      if (request) http_.cancel(*request);
    }
  }

  CallId start(const ModelCall& call, Callback done) override {
    const CallId id = next_id_++;
    if (call.model == nullptr) {
      fail_soon(id, {}, internal_error("openai: model call without a model"), std::move(done));
      return id;
    }
    const lang::Model& model = *call.model;
    Result<OpenAiEndpoint> endpoint = resolve_openai_endpoint(model, env_);
    if (!endpoint) {
      fail_soon(id, {}, with_prefix(std::move(endpoint).error(), "openai"), std::move(done));
      return id;
    }
    Result<std::string> body = build_chat_request(call, token_limit_field_for(endpoint->base_url));
    if (!body) {
      fail_soon(id, {}, with_prefix(std::move(body).error(), "openai"), std::move(done));
      return id;
    }

    net::HttpRequest request;
    request.method = "POST";
    request.url = endpoint->url;
    request.headers.emplace_back("Content-Type", "application/json");
    if (endpoint->api_key)
      request.headers.emplace_back("Authorization", "Bearer " + *endpoint->api_key);
    request.body = *body;
    request.timeout = call.timeout;
    pending_[id] = http_.send(
        std::move(request),
        [this, id, request_json = std::move(*body), key = std::move(endpoint->api_key),
         key_variable = std::move(endpoint->key_variable), url = std::move(endpoint->url),
         done = std::move(done)](Result<net::HttpResponse> response) mutable {
          pending_.erase(id);
          ModelOutcome outcome;
          if (response) {
            outcome = read_chat_response(*response, std::chrono::system_clock::now());
          } else {
            outcome.reply = std::move(response).error();
          }
          outcome.request_json = std::move(request_json);
          if (!outcome.reply) {
            std::string context = "openai " + url;
            if (outcome.reply.error().code() == ErrorCode::kUnauthenticated) {
              context += " (key from " + key_variable + ")";
            }
            outcome.reply = with_prefix(std::move(outcome.reply).error(), context);
          }
          scrub(outcome, key);
          done(std::move(outcome));  // may destroy this provider: nothing after it
        });
    return id;
  }

  void cancel(CallId id) override {
    const auto found = pending_.find(id);
    if (found == pending_.end()) return;
    if (found->second) http_.cancel(*found->second);
    pending_.erase(found);
  }

 private:
  // Reports a failure found before sending, from the loop rather than inside start().
  void fail_soon(CallId id, std::string request_json, Error error, Callback done) {
    pending_[id] = std::nullopt;
    ModelOutcome outcome;
    outcome.request_json = std::move(request_json);
    outcome.reply = std::move(error);
    loop_.post([alive = std::weak_ptr<bool>(alive_), this, id, outcome = std::move(outcome),
                done = std::move(done)]() mutable {
      if (alive.expired()) return;
      const auto found = pending_.find(id);
      if (found == pending_.end()) return;  // cancelled
      pending_.erase(found);
      done(std::move(outcome));
    });
  }

  EventLoop& loop_;
  net::HttpClient& http_;
  EnvLookup env_;
  CallId next_id_ = 1;
  // Calls not yet reported: the HTTP request, or nullopt while a failure is posted.
  std::unordered_map<CallId, std::optional<net::HttpClient::RequestId>> pending_;
  // Expires with the provider, so that posted tasks can tell it is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<ModelProvider> make_openai_provider(EventLoop& loop, net::HttpClient& http,
                                                    EnvLookup env) {
  return std::make_unique<OpenAiProvider>(loop, http, std::move(env));
}

}  // namespace baton::providers
