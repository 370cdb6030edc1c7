// Graph: collecting the nodes behind some outputs, and the public view over GraphData.
#include <charconv>
#include <fstream>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "graph/graph_data.hpp"
#include "weft/delayed.hpp"
#include "weft/error.hpp"

namespace weft {
namespace detail {

void GraphData::index() {
  by_token.clear();
  by_token.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) by_token.emplace(tasks[i].token(), i);
}

std::size_t GraphData::find(const std::string& key) const {
  auto answers = [&](std::size_t i) { return tasks[i].key() == key || tasks[i].tail_key() == key; };
  std::uint64_t token = 0;
  if (key.size() > 16) {
    const char* hex = key.data() + key.size() - 16;
    auto [end, ec] = std::from_chars(hex, hex + 16, token, 16);
    if (ec == std::errc() && end == hex + 16) {
      auto it = by_token.find(token);
      if (it != by_token.end() && answers(it->second)) return it->second;
    }
  }
  // Reached for a key not in the graph, or one whose token another key has (a collision).
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (answers(i)) return i;
  }
  throw ConfigError("weft::Graph: no node with key '" + key + "'");
}

namespace {

constexpr std::size_t kOnStack = static_cast<std::size_t>(-1);

// Task indices of nodes, by key. Looked up by token, the key's hash computed when the node
// was built, so that a lookup reads no string. A key whose token an earlier key already
// has (a 64-bit collision) is kept apart, by the full key.
class NodeIndex {
 public:
  // The slot for n's key, and whether it was just added (holding kOnStack).
  std::pair<std::size_t*, bool> insert(const GraphNode* n) {
    auto [it, added] = by_token_.try_emplace(n->token, n, kOnStack);
    if (added || it->second.first->key == n->key) return {&it->second.second, added};
    auto [other, added_other] = collided_.try_emplace(n->key, kOnStack);
    return {&other->second, added_other};
  }
  std::size_t& operator[](const GraphNode* n) { return *insert(n).first; }

 private:
  std::unordered_map<std::uint64_t, std::pair<const GraphNode*, std::size_t>> by_token_;
  std::unordered_map<std::string_view, std::size_t> collided_;
};

}  // namespace

GraphData collect(const std::vector<NodePtr>& outputs) {
  GraphData g;
  // Depth-first post-order with an explicit stack of (node, next dependency to visit). A key
  // is recorded when first pushed, and gets its task index when emitted; the graph being
  // acyclic, a recorded key met again has been emitted already. The stack points at the
  // handles inside dependents (or `outputs`), which keep the nodes alive.
  NodeIndex index_of;
  // For each emitted task: the last task that listed it as a dependency, and where.
  std::vector<std::pair<std::size_t, std::size_t>> listed_by;
  std::vector<std::pair<const NodePtr*, std::size_t>> stack;
  for (const NodePtr& out : outputs) {
    if (!index_of.insert(out.get()).second) continue;
    stack.emplace_back(&out, 0);
    while (!stack.empty()) {
      auto& [handle, next] = stack.back();
      const GraphNode& node = **handle;
      if (next < node.deps.size()) {
        const NodePtr& dep = node.deps[next++];
        if (index_of.insert(dep.get()).second) stack.emplace_back(&dep, 0);
        continue;
      }
      const std::size_t self = g.tasks.size();
      GraphTask task{{*handle}, {}, {}, {}, {}};
      for (const NodePtr& dep : node.deps) {
        const std::size_t source = index_of[dep.get()];
        if (listed_by[source].first != self) {
          listed_by[source] = {self, task.deps.size()};
          task.deps.push_back(source);
        }
        task.arg_sources.push_back(listed_by[source].second);
      }
      index_of[&node] = self;
      listed_by.emplace_back(self, 0);  // never equal to a later task's index
      g.tasks.push_back(std::move(task));
      stack.pop_back();
    }
  }
  std::vector<bool> listed(g.tasks.size(), false);
  for (const NodePtr& out : outputs) {
    const std::size_t i = index_of[out.get()];
    if (!listed[i]) g.outputs.push_back(i);
    listed[i] = true;
  }
  g.index();
  return g;
}

}  // namespace detail

Graph::Graph(std::shared_ptr<const detail::GraphData> data) noexcept : data_(std::move(data)) {}

Graph Graph::collect(const std::vector<detail::NodePtr>& outputs) {
  return Graph(std::make_shared<const detail::GraphData>(detail::collect(outputs)));
}

std::size_t Graph::size() const noexcept { return data_->tasks.size(); }

std::vector<std::string> Graph::keys() const {
  std::vector<std::string> keys;
  keys.reserve(data_->tasks.size());
  for (const detail::GraphTask& t : data_->tasks) keys.push_back(t.key());
  return keys;
}

std::vector<std::string> Graph::outputs() const {
  std::vector<std::string> keys;
  keys.reserve(data_->outputs.size());
  for (std::size_t i : data_->outputs) keys.push_back(data_->tasks[i].key());
  return keys;
}

Graph Graph::cull(const std::vector<std::string>& outputs) const {
  std::vector<std::size_t> indices;
  indices.reserve(outputs.size());
  for (const std::string& key : outputs) indices.push_back(data_->find(key));
  return Graph(detail::cull(data_, indices));
}

Graph Graph::fuse() const { return Graph(detail::fuse(data_)); }

std::string Graph::dot() const { return detail::to_dot(*data_); }

void Graph::write_dot(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << dot();
  out.close();
  if (!out) throw Error("weft::Graph::write_dot: cannot write '" + path + "'");
}

std::vector<detail::Value> Graph::run(const std::vector<std::string>& outputs,
                                      Progress progress) const {
  std::vector<std::size_t> indices;
  indices.reserve(outputs.size());
  for (const std::string& key : outputs) indices.push_back(data_->find(key));
  return detail::execute(data_, indices, progress_enabled(progress));
}

}  // namespace weft
