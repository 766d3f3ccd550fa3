#include "src/cache/cassette.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "src/cache/cache_key.h"
#include "src/cache/reply_json.h"
#include "src/lang/workflow.h"

namespace baton::cache {
namespace {

using Json = nlohmann::ordered_json;  // keeps the request body in the order it was sent

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (int code = 0; code <= static_cast<int>(ErrorCode::kDataLoss); ++code) {
    if (error_code_name(static_cast<ErrorCode>(code)) == name) return static_cast<ErrorCode>(code);
  }
  return std::nullopt;
}

// The body as JSON when it is JSON (it always is from the providers), else as a string.
Json json_or_text(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(text) : parsed;
}

std::string text_of(const Json& json) {
  return json.is_string() ? json.get<std::string>() : json.dump();
}

class LineReader {
 public:
  LineReader(const std::string& path, int line) : where_(path + ":" + std::to_string(line)) {}

  Error error(const std::string& what) const { return invalid_input(where_ + ": " + what); }

  Result<std::string> string(const Json& object, const char* name) const {
    auto found = object.find(name);
    if (found == object.end() || !found->is_string()) {
      return error(std::string("'") + name + "' must be a string");
    }
    return found->get<std::string>();
  }

 private:
  std::string where_;
};

Result<CassetteEntry> parse_entry(const std::string& path, int line, const std::string& text) {
  LineReader reader(path, line);
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return reader.error("expected one JSON object per line (an entry of a cassette)");
  }
  CassetteEntry entry;
  entry.line = line;
  BATON_ASSIGN_OR_RETURN(entry.key, reader.string(json, "key"));
  BATON_ASSIGN_OR_RETURN(entry.step, reader.string(json, "step"));
  BATON_ASSIGN_OR_RETURN(entry.model, reader.string(json, "model"));
  if (auto item = json.find("item"); item != json.end()) {
    if (!item->is_number_integer()) return reader.error("'item' must be an integer");
    entry.item = item->get<int>();
  }
  auto call = json.find("call");
  if (call == json.end() || !call->is_object()) {
    return reader.error("'call' must be an object (what the key was computed from)");
  }
  entry.call_json = call->dump();
  if (auto request = json.find("request"); request != json.end()) {
    entry.request_json = text_of(*request);
  }
  if (auto body = json.find("response_body"); body != json.end()) {
    if (!body->is_string()) return reader.error("'response_body' must be a string");
    entry.response_body = body->get<std::string>();
  }
  auto reply = json.find("reply");
  auto error = json.find("error");
  if ((reply == json.end()) == (error == json.end())) {
    return reader.error("an entry holds exactly one of 'reply' and 'error'");
  }
  if (reply != json.end()) {
    Result<providers::ModelReply> parsed = reply_from_json(reply->dump());
    if (!parsed) return reader.error(parsed.error().message());
    entry.reply = std::move(*parsed);
    return entry;
  }
  if (!error->is_object()) return reader.error("'error' must be an object");
  BATON_ASSIGN_OR_RETURN(std::string code_name, reader.string(*error, "code"));
  BATON_ASSIGN_OR_RETURN(std::string message, reader.string(*error, "message"));
  std::optional<ErrorCode> code = parse_error_code(code_name);
  if (!code) return reader.error("'error.code' '" + code_name + "' is not an error code");
  entry.reply = Error(*code, std::move(message));
  if (auto after = error->find("retry_after_ms"); after != error->end()) {
    if (!after->is_number_integer() || after->get<std::int64_t>() < 0) {
      return reader.error("'error.retry_after_ms' must be an integer (0 or more)");
    }
    entry.retry_after = std::chrono::milliseconds(after->get<std::int64_t>());
  }
  return entry;
}

}  // namespace

Result<Cassette> load_cassette(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return not_found("cannot read the cassette " + path + ": " + std::strerror(errno));
  Cassette cassette;
  cassette.path = path;
  std::string text;
  for (int line = 1; std::getline(file, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    BATON_ASSIGN_OR_RETURN(CassetteEntry entry, parse_entry(path, line, text));
    cassette.entries.push_back(std::move(entry));
  }
  return cassette;
}

CassetteEntry cassette_entry(const providers::ModelCall& call,
                             const providers::ModelOutcome& outcome) {
  CassetteEntry entry;
  entry.call_json = key_material(call, std::nullopt);
  entry.key = content_key(entry.call_json);
  entry.step = call.step_id;
  entry.item = call.item;
  entry.model = call.model->name;
  entry.request_json = outcome.request_json;
  entry.response_body = outcome.response_body;
  entry.reply = outcome.reply;
  entry.retry_after = outcome.retry_after;
  return entry;
}

std::string cassette_line(const CassetteEntry& entry) {
  // Keys in this order, for people reading the file.
  nlohmann::ordered_json json;
  json["key"] = entry.key;
  json["step"] = entry.step;
  json["item"] = entry.item;
  json["model"] = entry.model;
  json["call"] = Json::parse(entry.call_json, nullptr, /*allow_exceptions=*/false);
  json["request"] = json_or_text(entry.request_json);
  json["response_body"] = entry.response_body;
  if (entry.reply) {
    json["reply"] = Json::parse(reply_to_json(*entry.reply));
  } else {
    nlohmann::ordered_json error;
    error["code"] = error_code_name(entry.reply.error().code());
    error["message"] = entry.reply.error().message();
    if (entry.retry_after) error["retry_after_ms"] = entry.retry_after->count();
    json["error"] = std::move(error);
  }
  // Invalid UTF-8 in a reply is replaced rather than failing the recording.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::unique_ptr<CassetteWriter>> CassetteWriter::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return invalid_input("cannot open the cassette " + path +
                         " for recording: " + std::strerror(errno));
  }
  return std::unique_ptr<CassetteWriter>(new CassetteWriter(fd, path));
}

CassetteWriter::~CassetteWriter() { ::close(fd_); }

Status CassetteWriter::append(const CassetteEntry& entry) {
  // One write() per line: with O_APPEND a line lands whole, even with other writers.
  const std::string line = cassette_line(entry) + "\n";
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error(ErrorCode::kUnavailable,
                   "writing to the cassette " + path_ + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  return ok_status();
}

}  // namespace baton::cache
