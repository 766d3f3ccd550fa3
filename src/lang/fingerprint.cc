#include "src/lang/fingerprint.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <vector>

#include "src/lang/load_context.h"

namespace baton::lang {
namespace {

// The node's meaning as text: a plain scalar stays apart from a quoted one (only a plain one
// can be a number or a boolean), and mapping keys are sorted.
void canonical(const YamlNode& node, std::string& out) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      out += '~';
      return;
    case YamlNode::Kind::kScalar:
      out += node.is_plain_scalar() ? 'p' : 'q';
      out += std::to_string(node.value.size());
      out += ':';
      out += node.value;
      return;
    case YamlNode::Kind::kSequence:
      out += '[';
      for (const YamlNode& item : node.items) canonical(item, out);
      out += ']';
      return;
    case YamlNode::Kind::kMapping: {
      std::vector<std::string> entries;
      entries.reserve(node.entries.size());
      for (const YamlEntry& entry : node.entries) {
        std::string text;
        canonical(entry.first, text);
        canonical(entry.second, text);
        entries.push_back(std::move(text));
      }
      std::sort(entries.begin(), entries.end());
      out += '{';
      for (const std::string& entry : entries) out += entry;
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string digest_text(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char digits[17];
  std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(hash));
  return digits;
}

namespace {

// The models a prompt step may call: its own and, transitively, their fallbacks.
std::set<std::string> model_chain(const Workflow& workflow, const std::string& first) {
  std::set<std::string> seen;
  std::vector<std::string> pending{first};
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    if (!seen.insert(name).second) continue;
    const Model* model = workflow.find_model(name);
    if (model == nullptr) continue;
    pending.insert(pending.end(), model->fallback.begin(), model->fallback.end());
  }
  return seen;
}

// A step's own mapping: under `steps`, or for a step inside a loop, under its loop's
// `loop: {steps: ...}`.
const YamlNode* step_node(const YamlNode* steps, const Workflow& workflow, const Step& step) {
  if (steps == nullptr) return nullptr;
  if (!step.loop) return LoadContext::find(*steps, step.id);
  const YamlNode* loop = step_node(steps, workflow, workflow.steps[*step.loop]);
  const YamlNode* body = loop != nullptr ? LoadContext::find(*loop, "loop") : nullptr;
  const YamlNode* inner = body != nullptr ? LoadContext::find(*body, "steps") : nullptr;
  return inner != nullptr ? LoadContext::find(*inner, step.name) : nullptr;
}

}  // namespace

void fingerprint_steps(const YamlNode& root, Workflow& workflow) {
  std::string defaults;
  if (const YamlNode* node = LoadContext::find(root, "defaults")) canonical(*node, defaults);
  const YamlNode* models = LoadContext::find(root, "models");
  const YamlNode* steps = LoadContext::find(root, "steps");
  for (Step& step : workflow.steps) {
    std::string text = "defaults" + defaults + "step";
    if (const YamlNode* node = step_node(steps, workflow, step)) canonical(*node, text);
    if (const PromptStep* prompt = step.prompt(); prompt != nullptr && models != nullptr) {
      for (const std::string& name : model_chain(workflow, prompt->model)) {
        const YamlNode* model = LoadContext::find(*models, name);
        if (model == nullptr) continue;
        text += "model" + name;
        canonical(*model, text);
      }
    }
    step.fingerprint = digest_text(text);
  }
}

}  // namespace baton::lang
