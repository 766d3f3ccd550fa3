// The dependency graph: the topological order and the cycles.
#include <algorithm>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "src/lang/sections.h"

namespace baton::lang {

std::vector<std::size_t> order_steps(LoadContext& context, const std::vector<std::string>& ids,
                                     const std::vector<SourceSpan>& spans,
                                     const std::vector<std::vector<std::string>>& dependencies) {
  const std::size_t count = ids.size();
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < count; ++i) index.emplace(ids[i], i);
  std::vector<std::vector<std::size_t>> edges(count);  // i -> the steps i depends on
  std::vector<std::vector<std::size_t>> dependents(count);
  std::vector<std::size_t> waiting(count, 0);
  for (std::size_t i = 0; i < count; ++i) {
    for (const std::string& id : dependencies[i]) {
      auto it = index.find(id);
      if (it == index.end()) continue;
      edges[i].push_back(it->second);
      dependents[it->second].push_back(i);
      ++waiting[i];
    }
  }
  // Kahn's algorithm; the queue is consumed in order, so ties keep file order as far as the
  // graph allows.
  std::vector<std::size_t> order;
  order.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (waiting[i] == 0) order.push_back(i);
  }
  for (std::size_t next = 0; next < order.size(); ++next) {
    for (std::size_t dependent : dependents[order[next]]) {
      if (--waiting[dependent] == 0) order.push_back(dependent);
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
