#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "baton/result.h"

namespace baton::contracts {

// Where in a model's answer a JSON value was found.
enum class JsonPlacement : std::uint8_t {
  kFencedBlock,  // a Markdown code fence: ```json ... ```, ``` ... ``` or ~~~ ... ~~~
  kWholeAnswer,  // the answer itself, give or take surrounding whitespace
  kEmbedded,     // a balanced {...} or [...] inside prose
};

// "fenced block", "whole answer", "embedded".
std::string_view json_placement_name(JsonPlacement placement);

struct ExtractedJson {
  std::string text;  // the JSON text as it appears in the answer, without surrounding whitespace
  JsonPlacement placement = JsonPlacement::kWholeAnswer;
  std::size_t offset = 0;  // where `text` starts in the answer, in bytes
};

// Finds the JSON value in a model's answer, trying in this order:
//   1. each Markdown fenced code block (CommonMark: a line of >= 3 backticks or tildes, indented
//      at most 3 spaces, any info string; closed by a line of at least as many of the same
//      character, or by the end of the answer), the first whose content parses;
//   2. the whole answer, if it parses (any JSON value, scalars included);
//   3. the first balanced {...} or [...] (by where it starts) that parses. Brackets inside JSON
//      strings, escaped quotes included, do not count.
// "Parses" means strict JSON (RFC 8259): no comments, no trailing commas, no single quotes.
// Returns kOutputRejected, with a message meant as feedback to the model, when nothing parses.
//
//   Result<ExtractedJson> json = extract_json("Here you go: {\"a\": [1, 2]} Hope it helps");
//   // json->text == "{\"a\": [1, 2]}", json->placement == JsonPlacement::kEmbedded
Result<ExtractedJson> extract_json(std::string_view answer);

// Calls `visit` with every candidate that parses, in extract_json's order, each piece of the
// answer at most once, until `visit` returns false. extract_json() is the first candidate; a
// schema contract may prefer the first candidate that validates (check_json_answer). Finding
// the brackets is linear in the answer's length, however many stray brackets the prose holds;
// a candidate that is not JSON costs only as much as the parser reads before it gives up.
void for_each_json_candidate(std::string_view answer,
                             const std::function<bool(const ExtractedJson&)>& visit);

}  // namespace baton::contracts
