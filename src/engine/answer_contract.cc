#include "src/engine/answer_contract.h"

#include <cctype>
#include <utility>

#include "src/contracts/answer_check.h"
#include "src/contracts/json_extract.h"
#include "src/contracts/pattern.h"
#include "src/contracts/schema.h"

namespace baton::engine {

Result<lang::Value> check_answer(const lang::OutputContract& contract, std::string_view answer) {
  lang::Value json = lang::Value::none();
  if (contract.schema) {
    BATON_ASSIGN_OR_RETURN(contracts::ExtractedJson found,
                           contracts::check_json_answer(answer, *contract.schema));
    Result<lang::Value> parsed = lang::value_from_json(found.text);
    if (parsed) json = std::move(*parsed);
  } else {
    json = answer_json(answer);
  }
  if (contract.pattern) BATON_TRY(contract.pattern->check(answer));
  return json;
}

lang::Value answer_json(std::string_view answer) {
  Result<contracts::ExtractedJson> found = contracts::extract_json(answer);
  if (!found) return lang::Value::none();
  Result<lang::Value> parsed = lang::value_from_json(found->text);
  return parsed ? std::move(*parsed) : lang::Value::none();
}

std::string repair_request(std::string_view feedback) {
  std::string message(feedback);
  while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back())))
    message.pop_back();
  if (!message.empty()) {
    message[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(message[0])));
    // A one-line failure reads as a sentence; a command's output is kept apart from the request.
    if (message.find('\n') != std::string::npos) {
      message += "\n\n";
    } else {
      char last = message.back();
      if (last != '.' && last != '!' && last != '?') message += '.';
      message += ' ';
    }
  }
  return message + "Answer again, in full, correcting this.";
}

std::string answer_from_value_json(std::string_view value_json) {
  Result<lang::Value> value = lang::value_from_json(value_json);
  if (value && value->is_string()) return value->as_string();
  std::string text(value_json);
  std::size_t start = text.find_first_not_of(" \t\r\n");
  std::size_t end = text.find_last_not_of(" \t\r\n");
  return start == std::string::npos ? "" : text.substr(start, end - start + 1);
}

}  // namespace baton::engine
