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

#include "tests/fake_server/wire.h"

namespace baton::fake {
namespace {

using Json = nlohmann::json;

constexpr int kThreads = 256;

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void send_body(httplib::Response& res, int status, const std::string& body,
               const char* content_type = "application/json") {
  res.status = status;
  res.set_content(body, content_type);
}

// The fake's own errors (admin routes): OpenAI's shape.
void send_invalid(httplib::Response& res, std::string_view message) {
  send_body(res, 400, wire::openai_format().error_body(400, message));
}

// How a route takes its key.
enum class Auth {
  kBearer,     // OpenAI: Authorization: Bearer <key>
  kAzure,      // Azure OpenAI: api-key: <key>
  kAnthropic,  // Anthropic: x-api-key: <key>
};

bool has_key(const httplib::Request& req, Auth auth, const std::string& key) {
  switch (auth) {
    case Auth::kBearer:
      return req.get_header_value("Authorization") == "Bearer " + key;
    case Auth::kAzure:
      return req.get_header_value("api-key") == key;
    case Auth::kAnthropic:
      return req.get_header_value("x-api-key") == key;
  }
  return false;
}

std::string_view refused_key_message(Auth auth) {
  switch (auth) {
    case Auth::kBearer:
      return "Incorrect API key provided.";
    case Auth::kAzure:
      return "Access denied due to invalid subscription key or wrong API endpoint.";
    case Auth::kAnthropic:
      return "invalid x-api-key";
  }
  return "";
}

// The error the API answers for an injected status.
void send_fault_status(httplib::Response& res, const Fault& fault, const wire::Format& format) {
  if (fault.retry_after_seconds >= 0) {
    res.set_header("Retry-After", std::to_string(fault.retry_after_seconds));
  }
  std::string_view message = "The server had an error while processing your request (fake server).";
  if (fault.status == 429) message = "Rate limit reached for requests (fake server).";
  if (fault.status == 503) message = "The engine is currently overloaded, please try again later.";
  if (fault.status == 529) message = "Overloaded";
  send_body(res, fault.status, format.error_body(fault.status, message));
}

// Announces a whole body, sends half of it and fails, which makes httplib close the connection
// mid-body.
void send_cut(httplib::Response& res, std::string body, const char* content_type) {
  res.status = 200;
  res.set_content_provider(body.size(), content_type,
                           [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                             sink.write(body.data(), body.size() / 2);
                             return false;
                           });
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
    } else if (item.contains("truncate") && item["truncate"] == true) {
      faults.push_back(Fault::truncate());
    } else if (item.contains("malformed") && item["malformed"] == true) {
      faults.push_back(Fault::malformed());
    } else if (item.contains("stream_error") && item["stream_error"].is_number_integer()) {
      int status = item["stream_error"].get<int>();
      if (status < 400 || status > 599) return invalid_input("faults: bad stream_error status");
      faults.push_back(Fault::stream_error(status));
    } else if (item.contains("stall_ms") && item["stall_ms"].is_number_integer()) {
      faults.push_back(Fault::stall(std::chrono::milliseconds(item["stall_ms"].get<int>())));
    } else {
      return invalid_input(
          "faults: expected status, hang_ms, drop, cut, truncate, malformed, stream_error or "
          "stall_ms");
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
    ReplyRule rule;
    rule.match = item["match"].get<std::string>();
    rule.reply = item["reply"].get<std::string>();
    if (item.contains("delay_ms")) {
      if (!item["delay_ms"].is_number_integer() || item["delay_ms"].get<long long>() < 0) {
        return invalid_input("rules: delay_ms is a number of milliseconds, 0 or more");
      }
      rule.delay = std::chrono::milliseconds(item["delay_ms"].get<long long>());
    }
    if (item.contains("model")) {
      if (!item["model"].is_string()) return invalid_input("rules: model is a string");
      rule.model = item["model"].get<std::string>();
    }
    for (const char* key : {"cached_tokens", "cache_creation_tokens", "reasoning_tokens"}) {
      if (!item.contains(key)) continue;
      if (!item[key].is_number_integer() || item[key].get<long long>() < 0) {
        return invalid_input(std::string("rules: ") + key + " is a number of tokens, 0 or more");
      }
      const long count = item[key].get<long>();
      if (std::string_view(key) == "cached_tokens") rule.cached_tokens = count;
      if (std::string_view(key) == "cache_creation_tokens") rule.cache_creation_tokens = count;
      if (std::string_view(key) == "reasoning_tokens") rule.reasoning_tokens = count;
    }
    if (item.contains("tool_calls")) {
      if (!item["tool_calls"].is_array()) return invalid_input("rules: tool_calls is an array");
      for (const Json& call : item["tool_calls"]) {
        if (!call.is_object() || !call.contains("name") || !call["name"].is_string()) {
          return invalid_input("rules: each tool call is {\"name\": string, \"arguments\": ...}");
        }
        std::string arguments = "{}";
        if (call.contains("arguments")) {
          arguments = call["arguments"].is_string() ? call["arguments"].get<std::string>()
                                                    : dump(call["arguments"]);
        }
        rule.tool_calls.push_back({call["name"].get<std::string>(), std::move(arguments)});
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

struct FakeOpenAiServer::Impl {
  std::mutex lifecycle_mutex;  // serialises start() and stop()
  std::unique_ptr<Server> server;
  std::thread thread;
  std::atomic<int> port{0};

  mutable std::mutex mutex;                // guards everything below
  std::condition_variable stop_requested;  // also notified by release_stalls()
  bool stopping = false;
  std::uint64_t releases = 0;  // release_stalls() calls
  std::chrono::milliseconds latency{0};
  std::vector<ReplyRule> rules;
  std::deque<Fault> faults;
  std::string api_key;
  std::vector<RecordedRequest> recorded;
  std::map<std::string, std::size_t> by_last_user_message;
  std::uint64_t next_id = 0;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;

  // Counts a model request as in flight for as long as it lives (a stream holds it until its
  // last event is written).
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

  // As sleep_for, and a release_stalls() since `releases` was `seen` ends the wait too (or
  // ends it at once: a release that came before the stream reached its stall still counts).
  bool stall_for(std::chrono::milliseconds delay, std::uint64_t seen) {
    std::unique_lock lock(mutex);
    stop_requested.wait_for(lock, delay, [&] { return stopping || releases != seen; });
    return !stopping;
  }

  // The answer to `request`: the first matching rule, else the echo.
  wire::Reply reply_to(const wire::ModelRequest& request, std::chrono::milliseconds& delay) {
    wire::Reply reply;
    reply.text = "fake reply to: " + request.last_user_message;
    std::lock_guard lock(mutex);
    ++by_last_user_message[request.last_user_message];
    delay = latency;
    for (const ReplyRule& rule : rules) {
      if (request.last_user_message.find(rule.match) != std::string::npos &&
          (rule.model.empty() || rule.model == request.model)) {
        reply.text = rule.reply;
        reply.tool_calls = rule.tool_calls;
        reply.cached_tokens = rule.cached_tokens;
        reply.cache_creation_tokens = rule.cache_creation_tokens;
        reply.reasoning_tokens = rule.reasoning_tokens;
        delay += rule.delay;
        break;
      }
    }
    reply.id = std::to_string(++next_id);
    reply.prompt_tokens = request.prompt_tokens;
    long completion = wire::tokens_in(reply.text);
    for (const ToolCallSpec& call : reply.tool_calls) completion += wire::tokens_in(call.arguments);
    reply.completion_tokens = std::max(1L, completion + reply.reasoning_tokens);
    return reply;
  }

  void handle_model(const httplib::Request& req, httplib::Response& res, const wire::Format& format,
                    Auth auth) {
    auto counted = std::make_shared<InFlight>(*this);
    const std::size_t query = req.target.find('?');
    RecordedRequest record{
        req.path,        query == std::string::npos ? "" : req.target.substr(query + 1),
        req.remote_port, {},
        req.body,        std::chrono::steady_clock::now()};
    for (const auto& [name, value] : req.headers) record.headers.emplace_back(lower(name), value);
    std::optional<Fault> fault;
    std::string expected_key;
    std::uint64_t releases_seen = 0;
    {
      std::lock_guard lock(mutex);
      recorded.push_back(std::move(record));
      expected_key = api_key;
      releases_seen = releases;
      if (!faults.empty()) {
        fault = faults.front();
        faults.pop_front();
      }
    }
    if (auth == Auth::kAzure && !req.has_param("api-version")) {
      send_body(res, 404, R"({"error":{"code":"404","message":"Resource not found"}})");
      return;
    }
    if (!expected_key.empty() && !has_key(req, auth, expected_key)) {
      // Like the API, but never echoes what was sent.
      send_body(res, 401, format.error_body(401, refused_key_message(auth)));
      return;
    }
    if (auth == Auth::kAnthropic && !req.has_header("anthropic-version")) {
      send_body(res, 400, format.error_body(400, "anthropic-version: header is required"));
      return;
    }
    if (fault && fault->kind == Fault::Kind::kStatus) {
      send_fault_status(res, *fault, format);
      return;
    }
    if (fault && fault->kind == Fault::Kind::kDrop) {
      shut_down_connection(req, port.load());
      send_body(res, 500, format.error_body(500, "dropped"));  // cannot be delivered
      return;
    }
    if (fault && fault->kind == Fault::Kind::kHang && !sleep_for(fault->delay)) {
      send_body(res, 503, format.error_body(503, "The fake server is stopping."));
      return;
    }
    wire::Answer invalid;
    std::optional<wire::ModelRequest> request = format.parse(req.body, invalid);
    if (!request) {
      send_body(res, invalid.status, invalid.body);
      return;
    }
    if (fault && fault->kind == Fault::Kind::kCut) {
      wire::Reply cut;
      cut.id = "cut";
      cut.text = "this reply is cut short";
      cut.prompt_tokens = request->prompt_tokens;
      cut.completion_tokens = wire::tokens_in(cut.text);
      if (!request->stream) return send_cut(res, format.whole(*request, cut), "application/json");
      std::string events;
      for (const std::string& event : format.events(*request, cut)) events += event;
      return send_cut(res, std::move(events), "text/event-stream");
    }
    std::chrono::milliseconds delay{0};
    wire::Reply reply = reply_to(*request, delay);
    if (delay.count() > 0 && !sleep_for(delay)) {
      send_body(res, 503, format.error_body(503, "The fake server is stopping."));
      return;
    }
    if (request->stream) {
      send_stream(res, format.events(*request, reply), fault, releases_seen, format,
                  std::move(counted));
      return;
    }
    send_whole(res, format.whole(*request, reply), fault, releases_seen, format);
  }

  // A whole reply, and what the stream faults do to one.
  void send_whole(httplib::Response& res, std::string body, const std::optional<Fault>& fault,
                  std::uint64_t releases_seen, const wire::Format& format) {
    const Fault::Kind kind = fault ? fault->kind : Fault::Kind::kHang;
    if (fault && kind == Fault::Kind::kTruncate) body.resize(body.size() / 2);
    if (fault && kind == Fault::Kind::kMalformed) body = "{\"id\": \"fake\", \"choices\": [";
    if (fault && kind == Fault::Kind::kStreamError) {
      send_body(res, fault->status, format.error_body(fault->status, "fake server error"));
      return;
    }
    if (fault && kind == Fault::Kind::kStall && !stall_for(fault->delay, releases_seen)) {
      send_body(res, 503, format.error_body(503, "The fake server is stopping."));
      return;
    }
    send_body(res, 200, body);
  }

  // Writes the events one by one, as they would be generated; the stream faults act half-way.
  void send_stream(httplib::Response& res, std::vector<std::string> events,
                   std::optional<Fault> fault, std::uint64_t releases_seen,
                   const wire::Format& format, std::shared_ptr<InFlight> counted) {
    res.status = 200;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, events = std::move(events), fault, releases_seen, format = &format,
         counted = std::move(counted)](std::size_t, httplib::DataSink& sink) {
          auto write = [&sink](const std::string& text) {
            return sink.write(text.data(), text.size());
          };
          const std::size_t half = events.size() / 2;
          for (std::size_t index = 0; index < events.size(); ++index) {
            if (index == half && fault) {
              switch (fault->kind) {
                case Fault::Kind::kTruncate:
                  sink.done();
                  return true;
                case Fault::Kind::kMalformed:
                  if (!write(format->malformed_event())) return false;
                  break;
                case Fault::Kind::kStreamError:
                  if (!write(format->error_event(fault->status))) return false;
                  sink.done();
                  return true;
                case Fault::Kind::kStall:
                  if (!stall_for(fault->delay, releases_seen)) return false;
                  break;
                default:
                  break;
              }
            }
            if (!write(events[index])) return false;
          }
          sink.done();
          return true;
        });
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
    auto route = [this](const wire::Format& format, Auth auth) {
      return [this, &format, auth](const httplib::Request& req, httplib::Response& res) {
        handle_model(req, res, format, auth);
      };
    };
    svr.Post("/v1/chat/completions", route(wire::openai_format(), Auth::kBearer));
    svr.Post("/chat/completions", route(wire::openai_format(), Auth::kBearer));
    svr.Post(R"(/openai/deployments/([^/]+)/chat/completions)",
             route(wire::openai_format(), Auth::kAzure));
    svr.Post("/v1/messages", route(wire::anthropic_format(), Auth::kAnthropic));
    svr.Get("/stats", [this](const httplib::Request&, httplib::Response& res) {
      send_body(res, 200, dump(stats_json()));
    });
    svr.Get("/requests", [this](const httplib::Request&, httplib::Response& res) {
      send_body(res, 200, dump(requests_json()));
    });
    svr.Post("/admin/rules", [this](const httplib::Request& req, httplib::Response& res) {
      Result<std::vector<ReplyRule>> parsed = parse_rules_json(req.body);
      if (!parsed) return send_invalid(res, parsed.error().message());
      std::lock_guard lock(mutex);
      rules = std::move(parsed).value();
      send_body(res, 200, dump(Json{{"rules", rules.size()}}));
    });
    svr.Post("/admin/faults", [this](const httplib::Request& req, httplib::Response& res) {
      Result<std::vector<Fault>> parsed = parse_faults_json(req.body);
      if (!parsed) return send_invalid(res, parsed.error().message());
      std::lock_guard lock(mutex);
      faults.insert(faults.end(), parsed->begin(), parsed->end());
      send_body(res, 200, dump(Json{{"pending_faults", faults.size()}}));
    });
    svr.Post("/admin/latency", [this](const httplib::Request& req, httplib::Response& res) {
      Json json = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded() || !json.is_object() || !json.contains("ms") ||
          !json["ms"].is_number_integer() || json["ms"].get<long long>() < 0) {
        return send_invalid(res, "latency: expected {\"ms\": N}");
      }
      std::lock_guard lock(mutex);
      latency = std::chrono::milliseconds(json["ms"].get<long long>());
      send_body(res, 200, dump(Json{{"latency_ms", latency.count()}}));
    });
    svr.Post("/admin/release", [this](const httplib::Request&, httplib::Response& res) {
      release();
      send_body(res, 200, "{}");
    });
    svr.Post("/admin/reset", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex);
      recorded.clear();
      by_last_user_message.clear();
      faults.clear();
      max_in_flight = in_flight;
      send_body(res, 200, "{}");
    });
    svr.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
          send_body(res, 500, wire::openai_format().error_body(500, "The fake server failed."));
        });
  }

  void release() {
    {
      std::lock_guard lock(mutex);
      ++releases;
    }
    stop_requested.notify_all();
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

std::string FakeOpenAiServer::anthropic_base_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeOpenAiServer::release_stalls() { impl_->release(); }

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

std::size_t FakeOpenAiServer::in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->in_flight;
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
