#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baton/result.h"
#include "src/base/event_loop.h"

namespace baton::net {

using Header = std::pair<std::string, std::string>;

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<Header> headers;  // e.g. {"Authorization", "Bearer ..."}: never logged
  std::string body;
  std::chrono::milliseconds timeout{120'000};  // the whole transfer
  std::chrono::milliseconds connect_timeout{10'000};
};

struct HttpResponse {
  long status = 0;
  std::vector<Header> headers;  // names lower-cased
  std::string body;

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

struct HttpClientOptions {
  long max_connections_per_host = 0;  // 0: no limit
  std::size_t max_response_bytes = 64u << 20;
};

// An asynchronous HTTP/1.1 client on libcurl's multi interface, driven by an EventLoop: any
// number of transfers in flight from one thread. A response with any status is a value; only
// transport failures are errors: kUnavailable (refused, reset, DNS), kTimeout.
class HttpClient {
 public:
  using RequestId = std::uint64_t;
  using Callback = std::function<void(Result<HttpResponse>)>;

  explicit HttpClient(EventLoop& loop, HttpClientOptions options = {});
  ~HttpClient();  // cancels what is in flight without calling back
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `done` is called exactly once, on the loop's thread, never from inside send().
  RequestId send(HttpRequest request, Callback done);
  // Aborts a transfer; its callback is not called. Unknown ids are ignored.
  void cancel(RequestId id);
  std::size_t in_flight() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace baton::net
