// The dependency graph: the topological order and the cycles.
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "src/lang/sections.h"

namespace baton::lang {

std::vector<std::size_t> order_steps(LoadContext& context, const std::vector<std::string>& ids,
                                     const std::vector<SourceSpan>& spans,
                                     const std::vector<std::vector<std::size_t>>& dependencies) {
  const std::size_t count = ids.size();
  const std::vector<std::vector<std::size_t>>& edges = dependencies;  // i -> what i depends on
  // The reverse edges in one array (no vector per step): the steps depending on step s are
  // dependents[first_dependent[s]] up to dependents[first_dependent[s + 1]], in file order.
  std::vector<std::size_t> first_dependent(count + 1, 0);
  for (const std::vector<std::size_t>& depended_on : edges) {
    for (std::size_t step : depended_on) ++first_dependent[step + 1];
  }
  for (std::size_t i = 0; i < count; ++i) first_dependent[i + 1] += first_dependent[i];
  std::vector<std::size_t> dependents(first_dependent[count]);
  std::vector<std::size_t> next_slot(first_dependent.begin(), first_dependent.end() - 1);
  std::vector<std::size_t> waiting(count, 0);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t step : edges[i]) dependents[next_slot[step]++] = i;
    waiting[i] = edges[i].size();
  }
  // Kahn's algorithm; the queue is consumed in order, so ties keep file order as far as the
  // graph allows.
  std::vector<std::size_t> order;
  order.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (waiting[i] == 0) order.push_back(i);
  }
  for (std::size_t next = 0; next < order.size(); ++next) {
    const std::size_t step = order[next];
    for (std::size_t slot = first_dependent[step]; slot < first_dependent[step + 1]; ++slot) {
      if (--waiting[dependents[slot]] == 0) order.push_back(dependents[slot]);
    }
  }
  if (order.size() == count) return order;

  // What is left holds cycles. Walk the dependencies of each unvisited step depth-first;
  // reaching a step on the current path closes a cycle. Each step is visited once, so each
  // cycle is reported once (cycles sharing steps with one already found may not be).
  std::vector<int> state(count, 0);  // 0 unvisited, 1 on the path, 2 done
  std::vector<std::size_t> path;
  std::vector<std::size_t> edge(count, 0);
  for (std::size_t root = 0; root < count; ++root) {
    if (waiting[root] == 0 || state[root] != 0) continue;
    path.push_back(root);
    state[root] = 1;
    while (!path.empty()) {
      std::size_t at = path.back();
      if (edge[at] == edges[at].size()) {
        state[at] = 2;
        path.pop_back();
        continue;
      }
      std::size_t next = edges[at][edge[at]++];
      if (state[next] == 1) {
        // The path follows "depends on"; reversed, the cycle reads in the order data flows.
        // Name it from its first step in file order.
        std::vector<std::size_t> cycle(std::find(path.begin(), path.end(), next), path.end());
        std::reverse(cycle.begin(), cycle.end());
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        std::string text;
        for (std::size_t step : cycle) text += fmt::format("'{}' -> ", ids[step]);
        text += fmt::format("'{}'", ids[cycle.front()]);
        const SourceSpan& span = spans[cycle.front()];
        context.error_at(span.line, span.column, fmt::format("steps {} form a cycle", text));
      } else if (state[next] == 0) {
        state[next] = 1;
        path.push_back(next);
      }
    }
  }
  return order;
}

}  // namespace baton::lang
