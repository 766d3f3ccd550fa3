#include "src/engine/render.h"

#include <utility>

namespace baton::engine {
namespace {

// The template's own span is relative to its text; the file place is where the text starts.
Error locate(Error error, const SourceSpan& span, std::string_view what) {
  error.with_context(what);
  if (span.is_known()) error.with_span(span);
  return error;
}

}  // namespace

Result<std::string> render_text(const lang::LocatedTemplate& text, const lang::Context& context,
                                std::string_view what) {
  Result<std::string> rendered = text.text.render(context);
  if (!rendered) return locate(std::move(rendered).error(), text.span, what);
  return rendered;
}

Result<lang::Value> evaluate_data(const lang::DataTemplate& data, const lang::Context& context,
                                  std::string_view what) {
  using Kind = lang::DataTemplate::Kind;
  switch (data.kind) {
    case Kind::kConstant:
      return data.constant;
    case Kind::kTemplate: {
      Result<lang::Value> value = data.text->text.evaluate(context);
      if (!value) return locate(std::move(value).error(), data.text->span, what);
      return value;
    }
    case Kind::kList: {
      lang::ValueList items;
      items.reserve(data.items.size());
      for (const lang::DataTemplate& item : data.items) {
        BATON_ASSIGN_OR_RETURN(lang::Value value, evaluate_data(item, context, what));
        items.push_back(std::move(value));
      }
      return lang::Value(std::move(items));
    }
    case Kind::kMapping: {
      lang::ValueDict fields;
      for (const lang::DataField& field : data.fields) {
        BATON_ASSIGN_OR_RETURN(lang::Value value, evaluate_data(field.second, context, what));
        fields.set(field.first, std::move(value));
      }
      return lang::Value(std::move(fields));
    }
  }
  return internal_error("unknown data template kind");
}

Result<std::vector<std::string>> render_argv(const std::optional<lang::LocatedTemplate>& shell,
                                             const std::vector<lang::LocatedTemplate>& argv,
                                             const lang::Context& context, std::string_view what) {
  std::vector<std::string> rendered;
  if (shell) {
    BATON_ASSIGN_OR_RETURN(std::string text, render_text(*shell, context, what));
    rendered = {"/bin/sh", "-c", std::move(text)};
  }
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string where = std::string(what) + "[" + std::to_string(i) + "]";
    BATON_ASSIGN_OR_RETURN(std::string text, render_text(argv[i], context, where));
    rendered.push_back(std::move(text));
  }
  return rendered;
}

Result<std::vector<providers::ChatMessage>> render_messages(const lang::PromptStep& prompt,
                                                            const lang::Context& context) {
  std::vector<providers::ChatMessage> messages;
  auto add = [&](const std::string& role, const lang::LocatedTemplate& text,
                 std::string_view what) -> Status {
    BATON_ASSIGN_OR_RETURN(std::string rendered, render_text(text, context, what));
    messages.push_back({role, std::move(rendered)});
    return ok_status();
  };
  if (prompt.system) BATON_TRY(add("system", *prompt.system, "system"));
  if (prompt.prompt) BATON_TRY(add("user", *prompt.prompt, "prompt"));
  for (std::size_t i = 0; i < prompt.messages.size(); ++i) {
    BATON_TRY(add(prompt.messages[i].role, prompt.messages[i].content,
                  "messages[" + std::to_string(i) + "]"));
  }
  return messages;
}

Result<bool> evaluate_condition(const lang::LocatedTemplate& condition,
                                const lang::Context& context) {
  Result<lang::Value> value = condition.text.evaluate(context);
  if (!value) return locate(std::move(value).error(), condition.span, "when");
  Result<bool> truthy = lang::is_truthy(*value);
  if (!truthy) return locate(std::move(truthy).error(), condition.span, "when");
  return truthy;
}

}  // namespace baton::engine
