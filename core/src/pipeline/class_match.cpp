#include "roz/core/class_match.hpp"

#include <map>

namespace roz::core {

ClassMatch match_classes(const ClassList& classes, const ClassList& target) {
  ClassMatch m;
  if (classes.names == target.names) {
    for (std::size_t c = 0; c < classes.names.size(); ++c) m.columns.push_back(static_cast<std::int64_t>(c));
    return m;
  }
  // A target whose names are its own list is its own class file, position = column.
  const bool target_is_source = target.source.empty() || target.source == target.names;
  const std::vector<std::string>& target_file = target.source.empty() ? target.names : target.source;
  if (!classes.source.empty() && classes.source == target_file &&
      classes.source_positions.size() == classes.names.size()) {
    std::map<std::int64_t, std::int64_t> column;  // position in the class file -> target column
    for (std::size_t c = 0; c < target.names.size(); ++c)
      column[target_is_source ? static_cast<std::int64_t>(c) : target.source_positions.at(c)] =
          static_cast<std::int64_t>(c);
    for (std::size_t c = 0; c < classes.names.size(); ++c) {
      auto it = column.find(classes.source_positions[c]);
      if (it == column.end()) {
        m.missing.push_back(classes.names[c]);
      } else {
        m.columns.push_back(it->second);
      }
    }
    return m;
  }
  std::map<std::string, std::vector<std::int64_t>> column;
  for (std::size_t c = 0; c < target.names.size(); ++c) column[target.names[c]].push_back(static_cast<std::int64_t>(c));
  for (const std::string& name : classes.names) {
    auto it = column.find(name);
    if (it == column.end()) {
      m.missing.push_back(name);
    } else if (it->second.size() > 1) {
      if (m.ambiguous.empty()) {
        m.ambiguous = name;
        m.ambiguous_first = it->second[0];
        m.ambiguous_second = it->second[1];
      }
    } else {
      m.columns.push_back(it->second.front());
    }
  }
  return m;
}

}  // namespace roz::core
