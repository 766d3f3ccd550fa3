#include "src/net/http_client.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/fake_server/fake_openai_server.h"

namespace baton::net {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kSecret = "sk-test-very-secret-4242";

std::string chat_body(std::string_view user_message) {
  return R"({"model":"fake-model","messages":[{"role":"user","content":")" +
         std::string(user_message) + R"("}]})";
}

// A TCP port on 127.0.0.1 that is bound but not listening: connecting to it is refused. The
// socket stays bound for the fixture's life, so no one else can take the port meanwhile.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~RefusingPort() { close(fd_); }
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = server_.start();
    ASSERT_TRUE(port) << port.error().message();
  }

  HttpRequest chat(std::string_view user_message) {
    HttpRequest request;
    request.url = server_.base_url() + "/chat/completions";
    request.headers = {{"Content-Type", "application/json"}};
    request.body = chat_body(user_message);
    return request;
  }

  // Runs the loop until `done` holds, for at most `limit` (an anti-hang bound).
  template <typename Predicate>
  bool run_until(Predicate done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      loop_.run_once(milliseconds(20));
    }
    return true;
  }

  void run_for(milliseconds duration) {
    auto deadline = Clock::now() + duration;
    while (Clock::now() < deadline) loop_.run_once(milliseconds(10));
  }

  Result<HttpResponse> fetch(HttpClient& client, HttpRequest request) {
    std::optional<Result<HttpResponse>> outcome;
    client.send(std::move(request),
                [&](Result<HttpResponse> result) { outcome.emplace(std::move(result)); });
    if (!run_until([&] { return outcome.has_value(); })) {
      return Error(ErrorCode::kInternal, "test: no callback");
    }
    return std::move(*outcome);
  }

  // Declared in this order so that the client (made in each test) goes first, then the server.
  EventLoop loop_;
  fake::FakeOpenAiServer server_;
};

TEST_F(HttpClientTest, OkResponseHasStatusHeadersAndBody) {
  HttpClient client(loop_);
  auto response = fetch(client, chat("hello"));
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("fake reply to: hello"), std::string::npos);
  auto content_type = response->header("content-type");
  ASSERT_TRUE(content_type.has_value());
  EXPECT_EQ(*content_type, "application/json");
  for (const auto& [name, value] : response->headers) {
    for (char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
  }
  EXPECT_EQ(client.in_flight(), 0u);
  // The request went out as sent.
  auto recorded = server_.requests();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].body, chat_body("hello"));
}

TEST_F(HttpClientTest, ReusesConnections) {
  HttpClient client(loop_);
  for (int index = 0; index < 5; ++index) {
    auto response = fetch(client, chat("again"));
    ASSERT_TRUE(response) << response.error().message();
  }
  auto recorded = server_.requests();
  ASSERT_EQ(recorded.size(), 5u);
  for (const auto& request : recorded) EXPECT_EQ(request.remote_port, recorded[0].remote_port);
}

TEST_F(HttpClientTest, GetWorks) {
  HttpClient client(loop_);
  HttpRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(server_.port()) + "/stats";
  auto response = fetch(client, std::move(request));
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("\"requests\":0"), std::string::npos) << response->body;
}

TEST_F(HttpClientTest, ErrorStatusesAreValues) {
  HttpClient client(loop_);
  HttpRequest missing = chat("x");
  missing.url = server_.base_url() + "/no/such/path";
  auto not_found = fetch(client, std::move(missing));
  ASSERT_TRUE(not_found) << not_found.error().message();
  EXPECT_EQ(not_found->status, 404);

  server_.add_fault(fake::Fault::http_status(500));
  auto failed = fetch(client, chat("x"));
  ASSERT_TRUE(failed) << failed.error().message();
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(failed->body.find("server_error"), std::string::npos);
}

TEST_F(HttpClientTest, RetryAfterHeaderIsVisible) {
  HttpClient client(loop_);
  server_.add_fault(fake::Fault::http_status(429, 7));
  auto response = fetch(client, chat("x"));
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->status, 429);
  auto retry_after = response->header("retry-after");
  ASSERT_TRUE(retry_after.has_value());
  EXPECT_EQ(*retry_after, "7");
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailableAndNamesTheUrl) {
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  HttpClient client(loop_);
  HttpRequest request = chat("x");
  request.url = "http://127.0.0.1:" + std::to_string(refusing.port()) + "/v1/chat/completions";
  auto response = fetch(client, std::move(request));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  const std::string& message = response.error().message();
  EXPECT_NE(
      message.find("http://127.0.0.1:" + std::to_string(refusing.port()) + "/v1/chat/completions"),
      std::string::npos)
      << message;
  EXPECT_NE(message.find("onnect"), std::string::npos) << message;  // curl's reason
}

TEST_F(HttpClientTest, ConnectionClosedWithoutReplyIsUnavailable) {
  HttpClient client(loop_);
  server_.add_fault(fake::Fault::drop());
  auto response = fetch(client, chat("x"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable) << response.error().message();
}

TEST_F(HttpClientTest, SlowServerTimesOut) {
  HttpClient client(loop_);
  server_.add_fault(fake::Fault::hang(milliseconds(5000)));
  HttpRequest request = chat("x");
  request.timeout = milliseconds(200);
  auto started = Clock::now();
  auto response = fetch(client, std::move(request));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout) << response.error().message();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(4));  // anti-hang only
}

TEST_F(HttpClientTest, ConnectTimeoutIsTimeout) {
  // A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  std::vector<int> fillers;
  for (int index = 0; index < 3; ++index) {
    int filler = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    fillers.push_back(filler);
  }
  HttpClient client(loop_);
  HttpRequest request = chat("x");
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/v1";
  request.connect_timeout = milliseconds(200);
  request.timeout = milliseconds(10'000);
  auto response = fetch(client, std::move(request));
  for (int filler : fillers) close(filler);
  close(listener);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout) << response.error().message();
}

TEST_F(HttpClientTest, CancelledRequestNeverCallsBack) {
  HttpClient client(loop_);
  server_.add_fault(fake::Fault::hang(milliseconds(300)));
  int calls = 0;
  auto slow = client.send(chat("slow"), [&](Result<HttpResponse>) { ++calls; });
  auto immediate = client.send(chat("immediate"), [&](Result<HttpResponse>) { ++calls; });
  client.cancel(immediate);  // before the loop ever ran
  ASSERT_TRUE(run_until([&] { return server_.request_count() >= 1; }));
  client.cancel(slow);  // while the server holds it
  client.cancel(slow);  // twice, and an unknown id: both ignored
  client.cancel(987654);
  EXPECT_EQ(client.in_flight(), 0u);
  run_for(milliseconds(500));
  EXPECT_EQ(calls, 0);
  // The client still works afterwards.
  auto response = fetch(client, chat("after"));
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpClientTest, DestructorDropsTransfersWithoutCallbacks) {
  int calls = 0;
  {
    HttpClient client(loop_);
    server_.set_latency(milliseconds(200));
    for (int index = 0; index < 5; ++index) {
      client.send(chat("x"), [&](Result<HttpResponse>) { ++calls; });
    }
    ASSERT_TRUE(run_until([&] { return server_.request_count() >= 5; }));
  }
  run_for(milliseconds(400));
  EXPECT_EQ(calls, 0);
}

TEST_F(HttpClientTest, CallbackIsNeverCalledInsideSend) {
  HttpClient client(loop_);
  bool inside_send = true;
  std::optional<Result<HttpResponse>> outcome;
  HttpRequest request = chat("x");
  request.method = "NOT A METHOD";  // fails before any I/O, still reported on a later turn
  client.send(std::move(request), [&](Result<HttpResponse> result) {
    EXPECT_FALSE(inside_send);
    outcome.emplace(std::move(result));
  });
  inside_send = false;
  EXPECT_FALSE(outcome.has_value());
  ASSERT_TRUE(run_until([&] { return outcome.has_value(); }));
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().code(), ErrorCode::kInvalidInput);
}

TEST_F(HttpClientTest, ManyConcurrentRequestsCompleteOnTheLoopThread) {
  constexpr int kRequests = 500;
  server_.set_latency(milliseconds(20));
  HttpClientOptions options;
  // Also exercises the limit; unlimited, 500 connections would outnumber the fake server's 256
  // threads, each of which holds an idle connection for a second.
  options.max_connections_per_host = 100;
  HttpClient client(loop_, options);
  std::thread::id loop_thread = std::this_thread::get_id();
  int ok = 0;
  int failed = 0;
  bool other_thread = false;
  auto started = Clock::now();
  for (int index = 0; index < kRequests; ++index) {
    client.send(chat("n" + std::to_string(index)), [&, index](Result<HttpResponse> result) {
      other_thread |= std::this_thread::get_id() != loop_thread;
      if (result && result->status == 200 &&
          result->body.find("fake reply to: n" + std::to_string(index) + "\"") !=
              std::string::npos) {
        ++ok;
      } else {
        ++failed;
      }
    });
  }
  EXPECT_EQ(client.in_flight(), static_cast<std::size_t>(kRequests));
  ASSERT_TRUE(run_until([&] { return ok + failed == kRequests; }));
  auto elapsed = Clock::now() - started;
  EXPECT_EQ(ok, kRequests);
  EXPECT_FALSE(other_thread);
  // Serially this would take 500 x 20 ms = 10 s; the bound only catches serialisation.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(server_.request_count(), static_cast<std::size_t>(kRequests));
}

TEST_F(HttpClientTest, BodyOverTheCapIsAnError) {
  server_.set_rules({{"big", std::string(5000, 'z')}});
  HttpClientOptions options;
  options.max_response_bytes = 1000;
  HttpClient client(loop_, options);
  auto response = fetch(client, chat("big"));
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message().find("max_response_bytes"), std::string::npos)
      << response.error().message();
  // A small body under the same cap is fine.
  auto small = fetch(client, chat("small"));
  ASSERT_TRUE(small) << small.error().message();
  EXPECT_EQ(small->status, 200);
}

TEST_F(HttpClientTest, CallbackMaySendAndCancel) {
  HttpClient client(loop_);
  server_.set_latency(milliseconds(50));
  std::vector<std::string> replies;
  int cancelled_calls = 0;
  HttpClient::RequestId victim = 0;
  client.send(chat("first"), [&](Result<HttpResponse> first) {
    ASSERT_TRUE(first) << first.error().message();
    replies.push_back(first->body);
    client.cancel(victim);
    client.send(chat("second"), [&](Result<HttpResponse> second) {
      ASSERT_TRUE(second) << second.error().message();
      replies.push_back(second->body);
    });
  });
  // The victim goes to a second, much slower server, so it is still in flight when cancelled.
  fake::FakeOpenAiServer slow_server;
  ASSERT_TRUE(slow_server.start());
  slow_server.set_latency(milliseconds(5000));
  HttpRequest slow = chat("victim");
  slow.url = slow_server.base_url() + "/chat/completions";
  victim = client.send(std::move(slow), [&](Result<HttpResponse>) { ++cancelled_calls; });
  ASSERT_TRUE(run_until([&] { return replies.size() == 2; }));
  EXPECT_NE(replies[0].find("fake reply to: first"), std::string::npos);
  EXPECT_NE(replies[1].find("fake reply to: second"), std::string::npos);
  run_for(milliseconds(200));
  EXPECT_EQ(cancelled_calls, 0);
}

TEST_F(HttpClientTest, CallbackMayDestroyTheClient) {
  auto client = std::make_unique<HttpClient>(loop_);
  int calls = 0;
  for (int index = 0; index < 3; ++index) {
    client->send(chat("x"), [&](Result<HttpResponse>) {
      ++calls;
      client.reset();
    });
  }
  ASSERT_TRUE(run_until([&] { return calls > 0; }));
  run_for(milliseconds(200));
  EXPECT_EQ(calls, 1);
}

TEST_F(HttpClientTest, ErrorMessagesNeverContainSecrets) {
  RefusingPort refusing;
  HttpClient client(loop_);
  const std::string bearer = "Bearer " + std::string(kSecret);
  std::vector<HttpRequest> requests;
  {
    HttpRequest refused = chat("x");
    refused.url = "http://user:hunter2pass@127.0.0.1:" + std::to_string(refusing.port()) +
                  "/v1/chat/completions?api_key=" + std::string(kSecret);
    requests.push_back(std::move(refused));
  }
  {
    server_.add_fault(fake::Fault::hang(milliseconds(5000)));
    HttpRequest slow = chat("x");
    slow.timeout = milliseconds(200);
    requests.push_back(std::move(slow));
  }
  {
    HttpRequest bad_header = chat("x");
    bad_header.headers.push_back({"X-Bad", std::string(kSecret) + "\r\nInjected: 1"});
    requests.push_back(std::move(bad_header));
  }
  {
    HttpRequest bad_url = chat("x");
    bad_url.url = "not a url " + std::string(kSecret);
    requests.push_back(std::move(bad_url));
  }
  {
    // Hermetic: no DNS lookups; the query string is what must not show.
    HttpRequest query = chat("x");
    query.url =
        "http://127.0.0.1:" + std::to_string(refusing.port()) + "/v1?key=" + std::string(kSecret);
    requests.push_back(std::move(query));
  }
  for (HttpRequest& request : requests) {
    request.headers.push_back({"Authorization", bearer});
    auto response = fetch(client, std::move(request));
    ASSERT_FALSE(response);
    const std::string& message = response.error().message();
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2pass"), std::string::npos) << message;
    EXPECT_EQ(message.find("Bearer"), std::string::npos) << message;
  }
}

HttpRequest stream_chat(std::string_view base_url, std::string_view user_message) {
  HttpRequest request;
  request.url = std::string(base_url) + "/chat/completions";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"model":"fake-model","stream":true,"messages":[{"role":"user","content":")" +
                 std::string(user_message) + R"("}]})";
  return request;
}

TEST_F(HttpClientTest, BodyChunksArriveAsTheyComeAndAddUpToTheBody) {
  server_.add_fault(fake::Fault::stall(std::chrono::seconds(20)));
  HttpClient client(loop_);
  std::string streamed;
  std::vector<long> statuses;
  std::optional<Result<HttpResponse>> outcome;
  HttpRequest request = stream_chat(server_.base_url(), "one two three four five six");
  request.on_body_chunk = [&](long status, std::string_view bytes) {
    EXPECT_FALSE(outcome.has_value()) << "a chunk after the outcome";
    statuses.push_back(status);
    streamed.append(bytes);
  };
  client.send(std::move(request),
              [&](Result<HttpResponse> result) { outcome.emplace(std::move(result)); });
  ASSERT_TRUE(run_until([&] { return !streamed.empty(); }));
  EXPECT_EQ(server_.in_flight(), 1u) << "the server is still in the middle of the body";
  EXPECT_FALSE(outcome.has_value());
  server_.release_stalls();
  ASSERT_TRUE(run_until([&] { return outcome.has_value(); }));
  ASSERT_TRUE(*outcome) << outcome->error().message();
  EXPECT_EQ((*outcome)->body, streamed) << "the whole body is still delivered";
  EXPECT_NE(streamed.find("data: [DONE]"), std::string::npos);
  for (long status : statuses) EXPECT_EQ(status, 200);
}

TEST_F(HttpClientTest, ErrorBodiesReachTheChunkCallbackWithTheirStatus) {
  server_.add_fault(fake::Fault::http_status(429, 1));
  HttpClient client(loop_);
  long seen = 0;
  HttpRequest request = stream_chat(server_.base_url(), "x");
  request.on_body_chunk = [&](long status, std::string_view) { seen = status; };
  auto response = fetch(client, std::move(request));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(seen, 429);
}

TEST_F(HttpClientTest, ChunkCallbackMayCancelItsRequestAndTheClientGoesOn) {
  HttpClient client(loop_);
  int chunks = 0;
  int done_calls = 0;
  HttpClient::RequestId id = 0;
  HttpRequest request = stream_chat(server_.base_url(), "a b c d e f g h i j");
  request.on_body_chunk = [&](long, std::string_view) {
    ++chunks;
    client.cancel(id);
  };
  id = client.send(std::move(request), [&](Result<HttpResponse>) { ++done_calls; });
  ASSERT_TRUE(run_until([&] { return chunks > 0; }));
  run_for(milliseconds(100));
  EXPECT_EQ(chunks, 1);
  EXPECT_EQ(done_calls, 0);
  EXPECT_EQ(client.in_flight(), 0u);
  auto next = fetch(client, chat("after"));
  ASSERT_TRUE(next) << next.error().message();
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpClientTest, ChunkCallbackMayDestroyTheClient) {
  auto client = std::make_unique<HttpClient>(loop_);
  int chunks = 0;
  int done_calls = 0;
  HttpRequest request = stream_chat(server_.base_url(), "a b c d e f g h i j");
  request.on_body_chunk = [&](long, std::string_view) {
    ++chunks;
    client.reset();
  };
  client->send(std::move(request), [&](Result<HttpResponse>) { ++done_calls; });
  ASSERT_TRUE(run_until([&] { return chunks > 0; }));
  run_for(milliseconds(100));
  EXPECT_EQ(chunks, 1);
  EXPECT_EQ(done_calls, 0);
}

// Sets environment variables for one test and puts the old values back.
class ScopedEnvironment {
 public:
  void set(const char* name, const std::string& value) {
    const char* old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST_F(HttpClientTest, ProxiesComeFromTheEnvironmentAndNoProxyIsHonoured) {
  RefusingPort bogus_proxy;
  const std::string proxy = "http://127.0.0.1:" + std::to_string(bogus_proxy.port());
  ScopedEnvironment environment;
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
    environment.set(name, proxy);
  }
  environment.set("NO_PROXY", "");
  environment.set("no_proxy", "");
  {
    // Nothing disables the environment's proxies: this goes to the bogus one and fails.
    HttpClient client(loop_);
    auto through_proxy = fetch(client, chat("proxied"));
    ASSERT_FALSE(through_proxy);
    EXPECT_EQ(through_proxy.error().code(), ErrorCode::kUnavailable);
  }
  EXPECT_EQ(server_.request_count(), 0u);
  environment.set("NO_PROXY", "127.0.0.1");
  environment.set("no_proxy", "127.0.0.1");
  HttpClient client(loop_);
  auto direct = fetch(client, chat("direct"));
  ASSERT_TRUE(direct) << direct.error().message();
  EXPECT_EQ(direct->status, 200);
  EXPECT_EQ(server_.request_count(), 1u);
}

}  // namespace
}  // namespace baton::net
