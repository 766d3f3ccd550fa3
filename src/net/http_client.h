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

// Receives the response body piece by piece as it arrives: `status` is the response's status,
// `bytes` the next piece (split anywhere; valid only during the call). See HttpRequest.
using BodyChunkCallback = std::function<void(long status, std::string_view bytes)>;

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<Header> headers;  // e.g. {"Authorization", "Bearer ..."}: never logged
  std::string body;
  std::chrono::milliseconds timeout{120'000};  // the whole transfer
  std::chrono::milliseconds connect_timeout{10'000};
  // Optional, for streamed responses (server-sent events): called on the loop's thread with
  // each piece of the body, in order, all of them before `done`, never from inside send(). The
  // whole body still arrives in the HttpResponse given to `done` (within max_response_bytes).
  // It may send(), cancel() (this request too: then neither it nor `done` is called again) or
  // destroy the client.
  BodyChunkCallback on_body_chunk;
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

// An asynchronous HTTP client on libcurl's multi interface, driven by an EventLoop: any number of
// transfers in flight from one thread. HTTP/1.1 for http://; HTTP/2 for https:// when the server
// offers it (ALPN), with requests multiplexed on one connection. Connections (and DNS results)
// are kept and reused across requests. Proxies come from the environment as libcurl reads it:
// http_proxy (lower case only), HTTPS_PROXY/https_proxy, ALL_PROXY, and NO_PROXY/no_proxy.
// A response with any status is a value; only transport failures are errors: kUnavailable
// (refused, reset, DNS, a body cut short), kTimeout.
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
