#pragma once

#include <string>
#include <string_view>

#include "src/lang/workflow.h"
#include "src/lang/yaml_tree.h"

namespace baton::lang {

// Sets every step's `fingerprint`: a digest of what its definition says, not of how it is
// written (spacing, comments, quoting of strings and the order of keys do not count). It covers
// the step's own mapping, the `defaults` block, and for a prompt step the model blocks it may
// call (its model and their fallbacks). A file that a field names (a schema file) counts by its
// name, not its content. `root` is the workflow file's tree, `workflow` what was loaded from it.
// 64-bit FNV-1a of `text`, as 16 hex digits: enough to tell texts apart, not a defence
// against forgery.
std::string digest_text(std::string_view text);

void fingerprint_steps(const YamlNode& root, Workflow& workflow);

}  // namespace baton::lang
