// fake_openai_server [--port N] [--latency-ms N] [--rules FILE.json] [--api-key KEY]
//
// Serves the fake OpenAI-compatible API on 127.0.0.1, prints the port as one line on stdout,
// and serves until SIGTERM or SIGINT. FILE.json: [{"match": "substring", "reply": "text"}, ...].
#include <signal.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "tests/fake_server/fake_openai_server.h"

namespace {

constexpr int kUsageExit = 2;

bool parse_int(std::string_view text, long long& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

int usage(std::string_view problem) {
  std::cerr << "fake_openai_server: " << problem << "\n"
            << "usage: fake_openai_server [--port N] [--latency-ms N] [--rules FILE.json] "
               "[--api-key KEY]\n";
  return kUsageExit;
}

}  // namespace

int main(int argc, char** argv) {
  long long port = 0;
  long long latency_ms = 0;
  std::string rules_path;
  std::string api_key;
  for (int index = 1; index < argc; ++index) {
    std::string_view flag = argv[index];
    if (index + 1 >= argc) return usage(std::string(flag) + " needs a value");
    std::string_view value = argv[++index];
    if (flag == "--port") {
      if (!parse_int(value, port) || port > 65535) return usage("bad --port");
    } else if (flag == "--latency-ms") {
      if (!parse_int(value, latency_ms)) return usage("bad --latency-ms");
    } else if (flag == "--rules") {
      rules_path = value;
    } else if (flag == "--api-key") {
      api_key = value;
    } else {
      return usage("unknown flag " + std::string(flag));
    }
  }

  baton::fake::FakeOpenAiServer server;
  if (!rules_path.empty()) {
    std::ifstream file(rules_path);
    if (!file) return usage("cannot read " + rules_path);
    std::stringstream text;
    text << file.rdbuf();
    auto rules = baton::fake::parse_rules_json(text.str());
    if (!rules) return usage(rules_path + ": " + rules.error().message());
    server.set_rules(std::move(rules).value());
  }
  server.set_latency(std::chrono::milliseconds(latency_ms));
  server.set_api_key(api_key);

  // Block the stop signals before the server's threads exist, so that they inherit the mask and
  // only sigwait() below sees the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto bound = server.start(static_cast<int>(port));
  if (!bound) {
    std::cerr << "fake_openai_server: " << bound.error().message() << "\n";
    return 1;
  }
  std::cout << *bound << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  server.stop();
  return 0;
}
