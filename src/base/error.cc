#include "baton/error.h"

namespace baton {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid_input";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kBudgetExceeded:
      return "budget_exceeded";
    case ErrorCode::kOutputRejected:
      return "output_rejected";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kDataLoss:
      return "data_loss";
  }
  return "unknown";
}

Error& Error::with_context(std::string_view context) & {
  message_ = std::string(context) + ": " + message_;
  return *this;
}

std::string Error::to_string() const {
  if (!span_ || !span_->is_known()) return message_;
  return span_->file + ":" + std::to_string(span_->line) + ":" + std::to_string(span_->column) +
         ": " + message_;
}

}  // namespace baton
