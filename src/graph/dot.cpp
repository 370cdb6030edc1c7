// Graphviz DOT output for a graph.
#include <string>
#include <string_view>

#include "graph/graph_data.hpp"

namespace weft::detail {
namespace {

// A DOT double-quoted string: quotes and backslashes escaped, so that any key or name (a
// lambda's type name, say) stays one token.
void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string to_dot(const GraphData& g) {
  std::vector<bool> is_output(g.tasks.size(), false);
  for (std::size_t o : g.outputs) is_output[o] = true;
  std::string out = "digraph weft {\n  node [shape=box, style=rounded];\n";
  for (std::size_t i = 0; i < g.tasks.size(); ++i) {
    const GraphTask& t = g.tasks[i];
    std::string label = t.name();
    if (t.chain.size() > 1) label += " (" + std::to_string(t.chain.size()) + " nodes)";
    out += "  ";
    append_quoted(out, t.key());
    out += " [label=";
    append_quoted(out, label);
    out += ", tooltip=";
    append_quoted(out, t.key());
    if (is_output[i]) out += ", style=\"rounded,bold\"";
    out += "];\n";
  }
  for (const GraphTask& t : g.tasks) {
    for (std::size_t d : t.deps) {
      out += "  ";
      append_quoted(out, g.tasks[d].key());
      out += " -> ";
      append_quoted(out, t.key());
      out += ";\n";
    }
  }
  out += "}\n";
  return out;
}

}  // namespace weft::detail
