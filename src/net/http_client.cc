#include "src/net/http_client.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <curl/curl.h>

#include "src/base/check.h"

namespace baton::net {
namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    BATON_CHECK(code == CURLE_OK, "curl_global_init failed");
  });
}

std::string to_lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// The URL as it may appear in an error: scheme, host, port and path. User info, query and
// fragment can carry secrets (?key=...), so they are left out.
std::string printable_url(const std::string& url) {
  CURLU* handle = curl_url();
  if (handle == nullptr) return "<url>";
  std::string printable = "<malformed url>";
  if (curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    char* path = nullptr;
    curl_url_get(handle, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(handle, CURLUPART_HOST, &host, 0);
    curl_url_get(handle, CURLUPART_PORT, &port, 0);
    curl_url_get(handle, CURLUPART_PATH, &path, 0);
    printable = std::string(scheme ? scheme : "?") + "://" + (host ? host : "?");
    if (port != nullptr) printable += std::string(":") + port;
    printable += path ? path : "/";
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
  }
  curl_url_cleanup(handle);
  return printable;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string::npos;
  });
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

class Core;

// One request: its easy handle, what curl reads from, what it writes into, and the outcome.
struct Transfer {
  HttpClient::RequestId id = 0;
  Core* core = nullptr;  // the owner
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpRequest request;  // curl reads the body from here
  std::string printable_url;
  HttpClient::Callback done;
  std::size_t max_body = 0;
  HttpResponse response;
  bool body_too_large = false;
  std::optional<Result<HttpResponse>> outcome;  // set when finished, until delivered
  // Streaming (request.on_body_chunk set): the body bytes not yet given to the callback, and the
  // status they came with.
  std::string unread;
  long unread_status = 0;
  bool queued = false;  // in Core::ready_: has unread bytes or an outcome to deliver
  char error_text[CURL_ERROR_SIZE] = {};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    curl_slist_free_all(header_list);
  }
};

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  std::string_view line(data, bytes);
  try {
    if (line.starts_with("HTTP/")) {
      // A new response head (after "100 Continue", for one): only the last one counts.
      transfer->response.headers.clear();
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
      transfer->response.headers.emplace_back(to_lower(trim(line.substr(0, colon))),
                                              std::string(trim(line.substr(colon + 1))));
    }
  } catch (...) {
    return 0;
  }
  return bytes;
}

// Replaces every request header value (and the user info and query of the URL) that occurs in
// `text`, so that a secret can never leave through an error message.
std::string redact(std::string text, const HttpRequest& request) {
  auto scrub = [&text](std::string_view secret) {
    if (secret.size() < 4) return;  // too short to be a secret, and would mangle the text
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  };
  for (const auto& [name, value] : request.headers) {
    scrub(value);
    if (auto space = value.find(' '); space != std::string::npos) {
      scrub(std::string_view(value).substr(space + 1));  // the token of "Bearer <token>"
    }
  }
  std::string_view url = request.url;
  if (auto query = url.find_first_of("?#"); query != std::string_view::npos) {
    scrub(url.substr(query + 1));
  }
  if (auto scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    std::string_view rest = url.substr(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      scrub(authority.substr(0, at));
    }
  }
  return text;
}

Error transfer_error(CURLcode code, const Transfer& transfer) {
  std::string reason = curl_easy_strerror(code);
  if (transfer.error_text[0] != '\0') reason += std::string(" (") + transfer.error_text + ")";
  std::string message = redact(
      transfer.request.method + " " + transfer.printable_url + ": " + reason, transfer.request);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error(ErrorCode::kTimeout, std::move(message));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kInvalidInput, std::move(message));
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return Error(ErrorCode::kInternal, std::move(message));
    default:
      // Refused, reset, DNS, TLS and protocol failures: transient as far as the caller can tell.
      return Error(ErrorCode::kUnavailable, std::move(message));
  }
}

// The curl multi handle, its sockets and timer on the loop, and the transfers. Shared so that a
// completion posted to the loop can tell whether the client still exists (the posted task holds
// a weak_ptr; the HttpClient is the only owner).
class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(EventLoop& loop, HttpClientOptions options) : loop_(loop), options_(options) {
    init_curl_once();
    multi_ = curl_multi_init();
    BATON_CHECK(multi_ != nullptr, "curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Core::on_socket_change);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Core::on_timer_change);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    if (options_.max_connections_per_host > 0) {
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, options_.max_connections_per_host);
    }
  }

  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  ~Core() { shutdown(); }

  // Drops every transfer without calling back and releases curl, its sockets and its timer.
  // Idempotent. The HttpClient calls it on destruction: a posted delivery may still hold the
  // core for a moment, and must then find nothing left to deliver.
  void shutdown() {
    if (closing_) return;
    closing_ = true;  // curl may still call back below; nothing new is scheduled
    for (auto& [id, transfer] : transfers_) {
      if (!transfer->outcome) curl_multi_remove_handle(multi_, transfer->easy);
    }
    transfers_.clear();
    ready_.clear();
    curl_multi_cleanup(multi_);
    multi_ = nullptr;
    for (int fd : watched_) loop_.unwatch(fd);
    watched_.clear();
    if (timer_) loop_.cancel_timer(*timer_);
    timer_.reset();
  }

  HttpClient::RequestId send(HttpRequest request, HttpClient::Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->id = next_id_++;
    transfer->core = this;
    transfer->request = std::move(request);
    transfer->printable_url = printable_url(transfer->request.url);
    transfer->done = std::move(done);
    transfer->max_body = options_.max_response_bytes;
    HttpClient::RequestId id = transfer->id;
    Status ready = configure(*transfer);
    if (ready && curl_multi_add_handle(multi_, transfer->easy) != CURLM_OK) {
      ready = Error(ErrorCode::kInternal, "curl_multi_add_handle failed");
    }
    if (!ready) transfer->outcome = std::move(ready).error();
    Transfer& added = *transfers_.emplace(id, std::move(transfer)).first->second;
    if (added.outcome) deliver_later(added);
    return id;
  }

  void cancel(HttpClient::RequestId id) {
    auto found = transfers_.find(id);
    if (found == transfers_.end()) return;
    // A finished transfer was already removed from the multi handle.
    if (!found->second->outcome) curl_multi_remove_handle(multi_, found->second->easy);
    transfers_.erase(found);
  }

  std::size_t in_flight() const { return transfers_.size(); }

 private:
  Status configure(Transfer& transfer) {
    const HttpRequest& request = transfer.request;
    if (!is_token(request.method)) {
      return invalid_input("HTTP method is not a token: " + transfer.printable_url);
    }
    if (has_line_break(request.url)) return invalid_input("URL contains a line break");
    transfer.easy = curl_easy_init();
    if (transfer.easy == nullptr) return internal_error("curl_easy_init failed");
    for (const auto& [name, value] : request.headers) {
      if (!is_token(name) || has_line_break(value)) {
        // Names the header, never its value.
        return invalid_input("malformed request header '" + name + "' for " +
                             transfer.printable_url);
      }
      // "Name;" is curl's way to send a header with an empty value.
      std::string line = value.empty() ? name + ";" : name + ": " + value;
      curl_slist* extended = curl_slist_append(transfer.header_list, line.c_str());
      if (extended == nullptr) return internal_error("curl_slist_append failed");
      transfer.header_list = extended;
    }
    // Without this, curl waits up to a second for "100 Continue" before sending a large body.
    curl_slist* extended = curl_slist_append(transfer.header_list, "Expect:");
    if (extended == nullptr) return internal_error("curl_slist_append failed");
    transfer.header_list = extended;

    CURL* easy = transfer.easy;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &transfer);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer.error_text);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    // HTTP/2 over TLS when the server offers it (ALPN), else HTTP/1.1; plain http stays 1.1.
    // The multi handle multiplexes HTTP/2 requests by default; PIPEWAIT has a new request wait
    // for a connection being set up to the same host rather than open one more beside it.
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    if (transfer.printable_url.starts_with("https://")) {
      curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer.header_list);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Core::on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(transfer.max_body));
    if (request.method == "GET" && request.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST") {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      if (request.method == "POST" || !request.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.c_str());
      }
    }
    return ok_status();
  }

  static int on_socket_change(CURL*, curl_socket_t fd, int what, void* user, void*) noexcept {
    auto* core = static_cast<Core*>(user);
    if (what == CURL_POLL_REMOVE) {
      core->loop_.unwatch(fd);
      core->watched_.erase(fd);
      return 0;
    }
    if (core->closing_) return 0;
    unsigned events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= EventLoop::kReadable;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= EventLoop::kWritable;
    core->watched_.insert(fd);
    // Raw `core`: the destructor unwatches every fd before the core goes away.
    core->loop_.watch(fd, events, [core, fd](unsigned ready) { core->on_ready(fd, ready); });
    return 0;
  }

  static int on_timer_change(CURLM*, long timeout_ms, void* user) noexcept {
    auto* core = static_cast<Core*>(user);
    if (core->timer_) {
      core->loop_.cancel_timer(*core->timer_);
      core->timer_.reset();
    }
    if (timeout_ms < 0 || core->closing_) return 0;
    // Never drive curl from inside its own callback: the timer fires on a later turn.
    core->timer_ = core->loop_.add_timer(std::chrono::milliseconds(timeout_ms), [core] {
      core->timer_.reset();
      core->drive(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  void on_ready(int fd, unsigned ready) {
    int mask = 0;
    if (ready & EventLoop::kReadable) mask |= CURL_CSELECT_IN;
    if (ready & EventLoop::kWritable) mask |= CURL_CSELECT_OUT;
    if (ready & EventLoop::kError) mask |= CURL_CSELECT_ERR;
    drive(fd, mask);
  }

  void drive(curl_socket_t fd, int mask) {
    int running = 0;
    curl_multi_socket_action(multi_, fd, mask, &running);
    collect_finished();
  }

  void collect_finished() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      CURLcode code = message->data.result;
      Transfer* transfer = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
      curl_multi_remove_handle(multi_, easy);
      if (transfer == nullptr) continue;
      transfer->outcome = outcome_of(code, *transfer);
      deliver_later(*transfer);
    }
  }

  Result<HttpResponse> outcome_of(CURLcode code, Transfer& transfer) {
    if (transfer.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      return Error(ErrorCode::kInvalidInput, transfer.request.method + " " +
                                                 transfer.printable_url +
                                                 ": response body exceeds max_response_bytes (" +
                                                 std::to_string(transfer.max_body) + ")");
    }
    if (code != CURLE_OK) return transfer_error(code, transfer);
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = status;
    return std::move(transfer.response);
  }

  // Body pieces and completions go through a posted task: never from inside send(), and never
  // from inside a curl callback or this object's frames, so a callback may send(), cancel() or
  // even destroy the client. One queue for both keeps a transfer's pieces before its outcome.
  void deliver_later(Transfer& transfer) {
    if (transfer.queued) return;
    transfer.queued = true;
    ready_.push_back(transfer.id);
    if (delivery_posted_) return;
    delivery_posted_ = true;
    loop_.post([weak = weak_from_this()] {
      if (std::shared_ptr<Core> core = weak.lock()) core->deliver();
    });
  }

  void deliver() {
    delivery_posted_ = false;
    std::deque<HttpClient::RequestId> batch;
    batch.swap(ready_);
    while (!batch.empty() && !closing_) {
      const HttpClient::RequestId id = batch.front();
      batch.pop_front();
      auto found = transfers_.find(id);
      if (found == transfers_.end()) continue;  // cancelled while queued
      found->second->queued = false;
      if (!found->second->unread.empty()) {
        if (!deliver_unread(id)) continue;  // cancelled or destroyed by the callback
        found = transfers_.find(id);
      }
      if (!found->second->outcome) continue;  // still streaming
      std::unique_ptr<Transfer> transfer = std::move(found->second);
      transfers_.erase(found);
      HttpClient::Callback done = std::move(transfer->done);
      Result<HttpResponse> outcome = std::move(*transfer->outcome);
      transfer.reset();
      if (done) done(std::move(outcome));
    }
  }

  // Gives a transfer's unread body bytes to its chunk callback. False when the callback
  // cancelled the transfer or shut the client down.
  bool deliver_unread(HttpClient::RequestId id) {
    Transfer& transfer = *transfers_.at(id);
    std::string bytes = std::move(transfer.unread);
    transfer.unread.clear();
    // Moved out for the call: the callback may destroy the transfer, and with it the function.
    BodyChunkCallback on_chunk = std::move(transfer.request.on_body_chunk);
    on_chunk(transfer.unread_status, bytes);
    if (closing_) return false;
    const auto found = transfers_.find(id);
    if (found == transfers_.end()) return false;
    found->second->request.on_body_chunk = std::move(on_chunk);
    return true;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
    auto* transfer = static_cast<Transfer*>(user);
    size_t bytes = size * count;
    if (transfer->response.body.size() + bytes > transfer->max_body) {
      transfer->body_too_large = true;
      return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    try {
      transfer->response.body.append(data, bytes);
      if (transfer->request.on_body_chunk && bytes > 0) {
        if (transfer->unread.empty()) {
          curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &transfer->unread_status);
        }
        transfer->unread.append(data, bytes);
        transfer->core->deliver_later(*transfer);
      }
    } catch (...) {
      return 0;
    }
    return bytes;
  }

  EventLoop& loop_;
  const HttpClientOptions options_;
  CURLM* multi_ = nullptr;
  std::unordered_map<HttpClient::RequestId, std::unique_ptr<Transfer>> transfers_;
  std::unordered_set<int> watched_;
  std::optional<EventLoop::TimerId> timer_;
  std::deque<HttpClient::RequestId> ready_;  // transfers with something to deliver
  bool delivery_posted_ = false;
  bool closing_ = false;
  HttpClient::RequestId next_id_ = 1;
};

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

struct HttpClient::State {
  // The only owner; completions posted to the loop hold weak_ptrs.
  std::shared_ptr<Core> core;
};

HttpClient::HttpClient(EventLoop& loop, HttpClientOptions options)
    : state_(std::make_unique<State>(State{std::make_shared<Core>(loop, options)})) {}

HttpClient::~HttpClient() { state_->core->shutdown(); }

HttpClient::RequestId HttpClient::send(HttpRequest request, Callback done) {
  return state_->core->send(std::move(request), std::move(done));
}

void HttpClient::cancel(RequestId id) { state_->core->cancel(id); }

std::size_t HttpClient::in_flight() const { return state_->core->in_flight(); }

}  // namespace baton::net
