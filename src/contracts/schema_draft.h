#pragma once

#include <cstdint>
#include <string_view>

#include "baton/result.h"

namespace baton::contracts {

// The JSON Schema drafts that Schema validates against (valijson 1.0 implements drafts 3, 4
// and 7; draft 6 is read as draft 7, which only adds if/then/else and annotations to it).
enum class Draft : std::uint8_t { kDraft3, kDraft4, kDraft6, kDraft7 };

// "draft-03", "draft-04", "draft-06", "draft-07".
std::string_view draft_name(Draft draft);

// The draft that a `$schema` URI names: http(s)://json-schema.org/draft-0N/schema, with or
// without a trailing "#". kInvalidInput for 2019-09 and 2020-12, which valijson 1.0 does not
// implement (their new keywords would be silently ignored), and for any other URI.
Result<Draft> draft_from_uri(std::string_view uri);

}  // namespace baton::contracts
