#include "tests/fake_server/fake_openai_server.h"

#include <dirent.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/stat.h>

namespace baton::fake {
namespace {

using Json = nlohmann::json;

constexpr int kThreads = 256;

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json error_body(std::string_view message, std::string_view type, const Json& param,
                const Json& code) {
  return Json{{"error", {{"message", message}, {"type", type}, {"param", param}, {"code", code}}}};
}

void send_json(httplib::Response& res, int status, const Json& json) {
  res.status = status;
  res.set_content(dump(json), "application/json");
}

void send_error(httplib::Response& res, int status, std::string_view message, std::string_view type,
                const Json& param = nullptr, const Json& code = nullptr) {
  send_json(res, status, error_body(message, type, param, code));
}

void send_invalid(httplib::Response& res, std::string_view message, const Json& param = nullptr,
                  const Json& code = nullptr) {
  send_error(res, 400, message, "invalid_request_error", param, code);
}

// The error OpenAI answers for an injected status.
void send_fault_status(httplib::Response& res, const Fault& fault) {
  if (fault.retry_after_seconds >= 0) {
    res.set_header("Retry-After", std::to_string(fault.retry_after_seconds));
  }
  switch (fault.status) {
    case 429:
      send_error(res, 429, "Rate limit reached for requests (fake server).", "requests", nullptr,
                 "rate_limit_exceeded");
      return;
    case 503:
      send_error(res, 503, "The engine is currently overloaded, please try again later.",
                 "server_error");
      return;
    default:
      send_error(res, fault.status,
                 "The server had an error while processing your request (fake server).",
                 "server_error");
  }
}

// Shuts down the socket of the connection `req` came on, so that the client gets nothing at all.
// cpp-httplib does not expose the socket, so find it by its ports. The connection's fd stays
// open (and owned by httplib) while its handler runs, so the fd cannot be reused under us.
bool shut_down_connection(const httplib::Request& req, int server_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool found = false;
  while (dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    int fd = -1;
    if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
    struct stat info {};
    if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
    sockaddr_in local{};
    sockaddr_in peer{};
    socklen_t local_len = sizeof(local);
    socklen_t peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
        local.sin_family != AF_INET || peer.sin_family != AF_INET) {
      continue;
    }
    if (ntohs(local.sin_port) == server_port && ntohs(peer.sin_port) == req.remote_port) {
      shutdown(fd, SHUT_RDWR);
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Text of a message's content: a string, or the text parts of an array of parts.
std::string content_text(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (content.is_array()) {
    for (const Json& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        text += part["text"].get<std::string>();
      }
    }
  }
  return text;
}

bool is_known_role(std::string_view role) {
  return role == "system" || role == "developer" || role == "user" || role == "assistant" ||
         role == "tool" || role == "function";
}

// A crude but deterministic token count: about four bytes per token.
long tokens_in(std::string_view text) {
  return text.empty() ? 0 : static_cast<long>((text.size() + 3) / 4);
}

struct ChatRequest {
  std::string model;
  std::string last_user_message;
  long prompt_tokens = 0;
  bool stream = false;
  bool include_usage = false;
};

// Validates a chat request as OpenAI does; on failure answers 400 and returns nothing.
std::optional<ChatRequest> parse_chat_request(const std::string& body, httplib::Response& res) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    send_invalid(res,
                 "We could not parse the JSON body of your request. (HINT: This likely means "
                 "you aren't using your HTTP library correctly.)");
    return std::nullopt;
  }
  ChatRequest request;
  if (!json.contains("model") || !json["model"].is_string()) {
    send_invalid(res, "you must provide a model parameter", "model");
    return std::nullopt;
  }
  request.model = json["model"].get<std::string>();
  if (!json.contains("messages")) {
    send_invalid(res, "Missing required parameter: 'messages'.", "messages",
                 "missing_required_parameter");
    return std::nullopt;
  }
  const Json& messages = json["messages"];
  if (!messages.is_array()) {
    send_invalid(res, "Invalid type for 'messages': expected an array.", "messages",
                 "invalid_type");
    return std::nullopt;
  }
  if (messages.empty()) {
    send_invalid(res, "Invalid 'messages': empty array. Expected an array with minimum length 1.",
                 "messages", "empty_array");
    return std::nullopt;
  }
  for (std::size_t index = 0; index < messages.size(); ++index) {
    const Json& message = messages[index];
    std::string where = "messages[" + std::to_string(index) + "]";
    if (!message.is_object()) {
      send_invalid(res, "Invalid type for '" + where + "': expected an object.", where,
                   "invalid_type");
      return std::nullopt;
    }
    if (!message.contains("role") || !message["role"].is_string() ||
        !is_known_role(message["role"].get<std::string>())) {
      send_invalid(res,
                   "Invalid value for '" + where +
                       ".role'. Supported values are: 'system', 'assistant', 'user', "
                       "'function', 'tool', and 'developer'.",
                   where + ".role", "invalid_value");
      return std::nullopt;
    }
    const Json* content = message.contains("content") ? &message["content"] : nullptr;
    if (content != nullptr && !content->is_string() && !content->is_array() &&
        !content->is_null()) {
      send_invalid(res, "Invalid type for '" + where + ".content': expected a string or an array.",
                   where + ".content", "invalid_type");
      return std::nullopt;
    }
    std::string text = content == nullptr ? "" : content_text(*content);
    request.prompt_tokens += 3 + tokens_in(text);
    if (message["role"] == "user") request.last_user_message = std::move(text);
  }
  if (json.contains("stream")) {
    if (!json["stream"].is_boolean()) {
      send_invalid(res, "Invalid type for 'stream': expected a boolean.", "stream", "invalid_type");
      return std::nullopt;
    }
    request.stream = json["stream"].get<bool>();
  }
  if (json.contains("stream_options") && json["stream_options"].is_object()) {
    const Json& options = json["stream_options"];
    request.include_usage = options.contains("include_usage") &&
                            options["include_usage"].is_boolean() &&
                            options["include_usage"].get<bool>();
  }
  return request;
}

Json usage_json(long prompt_tokens, long completion_tokens) {
  return Json{{"prompt_tokens", prompt_tokens},
              {"completion_tokens", completion_tokens},
              {"total_tokens", prompt_tokens + completion_tokens}};
}

void send_completion(httplib::Response& res, const ChatRequest& request, const std::string& reply,
                     const std::string& id) {
  long completion_tokens = std::max(1L, tokens_in(reply));
  Json created = static_cast<long long>(std::time(nullptr));
  if (!request.stream) {
    Json message = {{"role", "assistant"}, {"content", reply}};
    Json choice = {
        {"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", "stop"}};
    send_json(res, 200,
              Json{{"id", id},
                   {"object", "chat.completion"},
                   {"created", created},
                   {"model", request.model},
                   {"choices", Json::array({choice})},
                   {"usage", usage_json(request.prompt_tokens, completion_tokens)}});
    return;
  }
  // Streaming: the whole event stream is known, so send it as one body.
  std::string events;
  auto chunk = [&](const Json& delta, const Json& finish_reason) {
    Json choice = {{"index", 0}, {"delta", delta}, {"finish_reason", finish_reason}};
    Json event = {{"id", id},
                  {"object", "chat.completion.chunk"},
                  {"created", created},
                  {"model", request.model},
                  {"choices", Json::array({choice})}};
    events += "data: " + dump(event) + "\n\n";
  };
  chunk(Json{{"role", "assistant"}, {"content", ""}}, nullptr);
  for (std::size_t start = 0; start < reply.size();) {
    std::size_t end = reply.find(' ', start);
    end = end == std::string::npos ? reply.size() : end + 1;
    chunk(Json{{"content", reply.substr(start, end - start)}}, nullptr);
    start = end;
  }
  chunk(Json::object(), "stop");
  if (request.include_usage) {
    Json event = {{"id", id},
                  {"object", "chat.completion.chunk"},
                  {"created", created},
                  {"model", request.model},
                  {"choices", Json::array()},
                  {"usage", usage_json(request.prompt_tokens, completion_tokens)}};
    events += "data: " + dump(event) + "\n\n";
  }
  events += "data: [DONE]\n\n";
  res.status = 200;
  res.set_content(events, "text/event-stream");
}

// Announces a whole completion, sends half of it and fails, which makes httplib close the
// connection mid-body.
void send_cut(httplib::Response& res, const ChatRequest& request) {
  httplib::Response whole;
  send_completion(whole, request, "this reply is cut short", "chatcmpl-fake-cut");
  std::string body = std::move(whole.body);
  res.status = 200;
  res.set_content_provider(body.size(), "application/json",
                           [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                             sink.write(body.data(), body.size() / 2);
                             return false;
                           });
}

Result<std::vector<Fault>> parse_faults_json(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return invalid_input("faults: expected a JSON array");
  }
  std::vector<Fault> faults;
  for (const Json& item : json) {
    if (!item.is_object()) return invalid_input("faults: each fault is an object");
    if (item.contains("status") && item["status"].is_number_integer()) {
      int status = item["status"].get<int>();
      int retry_after = -1;
      if (item.contains("retry_after") && item["retry_after"].is_number_integer()) {
        retry_after = item["retry_after"].get<int>();
      }
      if (status < 100 || status > 599) return invalid_input("faults: bad status");
      faults.push_back(Fault::http_status(status, retry_after));
    } else if (item.contains("hang_ms") && item["hang_ms"].is_number_integer()) {
      faults.push_back(Fault::hang(std::chrono::milliseconds(item["hang_ms"].get<int>())));
    } else if (item.contains("drop") && item["drop"] == true) {
      faults.push_back(Fault::drop());
    } else if (item.contains("cut") && item["cut"] == true) {
      faults.push_back(Fault::cut());
    } else {
      return invalid_input("faults: expected status, hang_ms, drop or cut");
    }
  }
  return faults;
}

// httplib listens with a backlog of 5: a burst of connections then overflows the accept queue
// and the kernel drops SYNs, which clients resend only after a second. Listening again on the
// bound socket (a subclass may reach it) widens the queue.
class Server : public httplib::Server {
 public:
  void widen_listen_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

}  // namespace

Result<std::vector<ReplyRule>> parse_rules_json(std::string_view text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_array()) {
    return invalid_input("rules: expected a JSON array of {\"match\", \"reply\"}");
  }
  std::vector<ReplyRule> rules;
  for (const Json& item : json) {
    if (!item.is_object() || !item.contains("match") || !item["match"].is_string() ||
        !item.contains("reply") || !item["reply"].is_string()) {
      return invalid_input("rules: each rule is {\"match\": string, \"reply\": string}");
    }
    std::chrono::milliseconds delay{0};
    if (item.contains("delay_ms")) {
      if (!item["delay_ms"].is_number_integer() || item["delay_ms"].get<long long>() < 0) {
        return invalid_input("rules: delay_ms is a number of milliseconds, 0 or more");
      }
      delay = std::chrono::milliseconds(item["delay_ms"].get<long long>());
    }
    std::string model;
    if (item.contains("model")) {
      if (!item["model"].is_string()) return invalid_input("rules: model is a string");
      model = item["model"].get<std::string>();
    }
    rules.push_back({item["match"].get<std::string>(), item["reply"].get<std::string>(), delay,
                     std::move(model)});
  }
  return rules;
}

struct FakeOpenAiServer::Impl {
  std::mutex lifecycle_mutex;  // serialises start() and stop()
  std::unique_ptr<Server> server;
  std::thread thread;
  std::atomic<int> port{0};

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable stop_requested;
  bool stopping = false;
  std::chrono::milliseconds latency{0};
  std::vector<ReplyRule> rules;
  std::deque<Fault> faults;
  std::string api_key;
  std::vector<RecordedRequest> recorded;
  std::map<std::string, std::size_t> by_last_user_message;
  std::uint64_t next_id = 0;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;

  // Counts a chat request as in flight for as long as it lives.
  class InFlight {
   public:
    explicit InFlight(Impl& impl) : impl_(impl) {
      std::lock_guard lock(impl_.mutex);
      impl_.max_in_flight = std::max(impl_.max_in_flight, ++impl_.in_flight);
    }
    ~InFlight() {
      std::lock_guard lock(impl_.mutex);
      --impl_.in_flight;
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    Impl& impl_;
  };

  // Sleeps unless the server is stopping; false when it was woken by stop().
  bool sleep_for(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex);
    return !stop_requested.wait_for(lock, delay, [this] { return stopping; });
  }

  void handle_chat(const httplib::Request& req, httplib::Response& res) {
    InFlight counted(*this);
    RecordedRequest record{req.path, req.remote_port, {}, req.body};
    for (const auto& [name, value] : req.headers) record.headers.emplace_back(lower(name), value);
    std::optional<Fault> fault;
    std::string expected_key;
    {
      std::lock_guard lock(mutex);
      recorded.push_back(std::move(record));
      expected_key = api_key;
      if (!faults.empty()) {
        fault = faults.front();
        faults.pop_front();
      }
    }
    if (!expected_key.empty() &&
        req.get_header_value("Authorization") != "Bearer " + expected_key) {
      // Like OpenAI, but never echoes what was sent.
      send_error(res, 401, "Incorrect API key provided.", "invalid_request_error", nullptr,
                 "invalid_api_key");
      return;
    }
    if (fault && fault->kind == Fault::Kind::kStatus) {
      send_fault_status(res, *fault);
      return;
    }
    if (fault && fault->kind == Fault::Kind::kDrop) {
      shut_down_connection(req, port.load());
      send_error(res, 500, "dropped", "server_error");  // cannot be delivered
      return;
    }
    if (fault && fault->kind == Fault::Kind::kHang && !sleep_for(fault->delay)) {
      send_error(res, 503, "The fake server is stopping.", "server_error");
      return;
    }
    std::optional<ChatRequest> request = parse_chat_request(req.body, res);
    if (!request) return;
    if (fault && fault->kind == Fault::Kind::kCut) return send_cut(res, *request);
    std::string reply = "fake reply to: " + request->last_user_message;
    std::chrono::milliseconds delay;
    std::uint64_t id;
    {
      std::lock_guard lock(mutex);
      ++by_last_user_message[request->last_user_message];
      delay = latency;
      for (const ReplyRule& rule : rules) {
        if (request->last_user_message.find(rule.match) != std::string::npos &&
            (rule.model.empty() || rule.model == request->model)) {
          reply = rule.reply;
          delay += rule.delay;
          break;
        }
      }
      id = ++next_id;
    }
    if (delay.count() > 0 && !sleep_for(delay)) {
      send_error(res, 503, "The fake server is stopping.", "server_error");
      return;
    }
    send_completion(res, *request, reply, "chatcmpl-fake-" + std::to_string(id));
  }

  Json stats_json() const {
    std::lock_guard lock(mutex);
    return Json{{"requests", recorded.size()},
                {"requests_by_last_user_message", by_last_user_message}};
  }

  Json requests_json() const {
    std::lock_guard lock(mutex);
    Json bodies = Json::array();
    for (const RecordedRequest& request : recorded) {
      Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
      bodies.push_back(body.is_discarded() ? Json(request.body) : body);
    }
    return bodies;
  }

  void install_routes(httplib::Server& svr) {
    auto chat = [this](const httplib::Request& req, httplib::Response& res) {
      handle_chat(req, res);
    };
    svr.Post("/v1/chat/completions", chat);
    svr.Post("/chat/completions", chat);
    svr.Get("/stats", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, stats_json());
    });
    svr.Get("/requests", [this](const httplib::Request&, httplib::Response& res) {
      send_json(res, 200, requests_json());
    });
    svr.Post("/admin/rules", [this](const httplib::Request& req, httplib::Response& res) {
      Result<std::vector<ReplyRule>> parsed = parse_rules_json(req.body);
      if (!parsed) return send_invalid(res, parsed.error().message());
      std::lock_guard lock(mutex);
      rules = std::move(parsed).value();
      send_json(res, 200, Json{{"rules", rules.size()}});
    });
    svr.Post("/admin/faults", [this](const httplib::Request& req, httplib::Response& res) {
      Result<std::vector<Fault>> parsed = parse_faults_json(req.body);
      if (!parsed) return send_invalid(res, parsed.error().message());
      std::lock_guard lock(mutex);
      faults.insert(faults.end(), parsed->begin(), parsed->end());
      send_json(res, 200, Json{{"pending_faults", faults.size()}});
    });
    svr.Post("/admin/latency", [this](const httplib::Request& req, httplib::Response& res) {
      Json json = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded() || !json.is_object() || !json.contains("ms") ||
          !json["ms"].is_number_integer() || json["ms"].get<long long>() < 0) {
        return send_invalid(res, "latency: expected {\"ms\": N}");
      }
      std::lock_guard lock(mutex);
      latency = std::chrono::milliseconds(json["ms"].get<long long>());
      send_json(res, 200, Json{{"latency_ms", latency.count()}});
    });
    svr.Post("/admin/reset", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex);
      recorded.clear();
      by_last_user_message.clear();
      faults.clear();
      max_in_flight = in_flight;
      send_json(res, 200, Json::object());
    });
    svr.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          send_error(res, 500, "The fake server failed.", "server_error");
        });
  }
};

FakeOpenAiServer::FakeOpenAiServer() : impl_(std::make_unique<Impl>()) {}

FakeOpenAiServer::~FakeOpenAiServer() { stop(); }

Result<int> FakeOpenAiServer::start(int port) {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  if (impl_->server) return Error(ErrorCode::kFailedPrecondition, "fake server already started");
  // Writing to a connection the client closed (after its timeout) must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  auto server = std::make_unique<Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  // Reuse connections for many requests, but let idle ones go soon: each one holds a thread,
  // and stop() waits for them.
  server->set_keep_alive_max_count(100000);
  server->set_keep_alive_timeout(1);
  // Headers and body go out in separate writes; with Nagle's algorithm the body would wait for
  // the client's delayed ACK (40 ms).
  server->set_tcp_nodelay(true);
  impl_->install_routes(*server);
  int bound = 0;
  if (port == 0) {
    bound = server->bind_to_any_port("127.0.0.1");
  } else {
    bound = server->bind_to_port("127.0.0.1", port) ? port : -1;
  }
  if (bound <= 0) {
    return Error(ErrorCode::kUnavailable,
                 "fake server: cannot bind 127.0.0.1:" + std::to_string(port));
  }
  server->widen_listen_backlog();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = false;
  }
  impl_->port = bound;
  httplib::Server* raw = server.get();
  impl_->thread = std::thread([raw] { raw->listen_after_bind(); });
  // httplib's stop() is a no-op until the listen loop runs, so wait for it (briefly).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!raw->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server = std::move(server);
  return bound;
}

void FakeOpenAiServer::stop() {
  std::lock_guard lifecycle(impl_->lifecycle_mutex);
  if (!impl_->server) return;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->stop_requested.notify_all();
  impl_->server->stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->server.reset();
}

int FakeOpenAiServer::port() const { return impl_->port.load(); }

std::string FakeOpenAiServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/v1";
}

void FakeOpenAiServer::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(impl_->mutex);
  impl_->latency = latency;
}

void FakeOpenAiServer::set_rules(std::vector<ReplyRule> rules) {
  std::lock_guard lock(impl_->mutex);
  impl_->rules = std::move(rules);
}

void FakeOpenAiServer::add_fault(Fault fault) {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.push_back(fault);
}

void FakeOpenAiServer::clear_faults() {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.clear();
}

std::size_t FakeOpenAiServer::pending_faults() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->faults.size();
}

void FakeOpenAiServer::set_api_key(std::string key) {
  std::lock_guard lock(impl_->mutex);
  impl_->api_key = std::move(key);
}

std::size_t FakeOpenAiServer::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->recorded.size();
}

std::vector<RecordedRequest> FakeOpenAiServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->recorded;
}

std::size_t FakeOpenAiServer::max_in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_in_flight;
}

std::map<std::string, std::size_t> FakeOpenAiServer::requests_by_last_user_message() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->by_last_user_message;
}

void FakeOpenAiServer::reset() {
  std::lock_guard lock(impl_->mutex);
  impl_->recorded.clear();
  impl_->by_last_user_message.clear();
  impl_->faults.clear();
  impl_->max_in_flight = impl_->in_flight;
}

}  // namespace baton::fake
