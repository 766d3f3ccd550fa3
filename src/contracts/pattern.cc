#include "src/contracts/pattern.h"

#include <regex>
#include <utility>

namespace baton::contracts {
namespace {

// libstdc++ has two regex matchers. The default one backtracks and recurses once per character
// it consumes, so `a*b` on a 100 kB answer overflows an 8 MB stack, and a search that fails
// retries from every start position (quadratic: seconds for 10 kB). Its extension flag
// __polynomial selects the other one, a breadth-first simulation of the automaton that keeps a
// set of states instead of a stack; it refuses back-references, which is why we do too.
#if defined(__GLIBCXX__)
constexpr std::regex::flag_type kLinearTime = std::regex_constants::__polynomial;
#else
constexpr std::regex::flag_type kLinearTime = std::regex::flag_type{};
#endif

}  // namespace

struct Pattern::Impl {
  std::string source;
  // `[\s\S]*(?:source)` matched only at position 0 (match_continuous): one pass over the text
  // finds a match anywhere, instead of one pass per start position. The group is
  // non-capturing, and ^ still means the start of the text, so the meaning is unchanged.
  std::regex anywhere;
};

Pattern::Pattern(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Pattern::Pattern(Pattern&&) noexcept = default;
Pattern& Pattern::operator=(Pattern&&) noexcept = default;
Pattern::~Pattern() = default;

Result<Pattern> Pattern::compile(std::string_view pattern) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::string(pattern);
  const std::string quoted = "\"" + impl->source + "\"";
  // Checked alone first: wrapping could hide a syntax error such as "a)(b".
  try {
    const std::regex alone(impl->source, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return invalid_input("invalid pattern " + quoted + ": " + error.what());
  }
  try {
    impl->anywhere = std::regex("[\\s\\S]*(?:" + impl->source + ")",
                                std::regex::ECMAScript | std::regex::optimize | kLinearTime);
  } catch (const std::regex_error&) {
    // The pattern alone is valid, so what the linear-time matcher refused is a back-reference
    // (libstdc++ reports it with error_complexity or error_backref, depending on the version).
    return invalid_input("invalid pattern " + quoted +
                         ": back-references such as \\1 are not supported (they need a "
                         "backtracking matcher, which is not safe on long answers)");
  }
  return Pattern(std::move(impl));
}

bool Pattern::matches(std::string_view text) const {
  return std::regex_search(text.begin(), text.end(), impl_->anywhere,
                           std::regex_constants::match_continuous);
}

Status Pattern::check(std::string_view answer) const {
  if (matches(answer)) return ok_status();
  return Error(ErrorCode::kOutputRejected,
               "your answer did not match the pattern /" + source() + "/");
}

const std::string& Pattern::source() const { return impl_->source; }

}  // namespace baton::contracts
