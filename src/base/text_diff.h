#pragma once

#include <string>
#include <string_view>

namespace baton {

// A unified diff (as `diff -u` writes it, with `context` unchanged lines around each change) of
// two texts, line by line; "" when they are equal. The headers name the texts `before_name` and
// `after_name`. The diff is a shortest one unless the changed middle of both texts is large (a
// few thousand lines each), where it replaces that middle whole: still a correct diff.
std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_name, std::string_view after_name,
                         int context = 3);

}  // namespace baton
