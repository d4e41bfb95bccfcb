// Which column of one class list each class of another list is: a dataset's classes among an image
// classifier's logits (LabelSetClassifier), a shift's classes among its in-distribution dataset's
// (effective robustness's restricted ID accuracy). One rule for both, because CLIP's ImageNet names
// hold twins ('missile' at 657 and 744, 'sunglasses' at 836 and 837) that a name cannot tell apart:
//
//   1. equal name lists: each class is its own column;
//   2. both lists taken from the same class file (a manifest's `classes: {file: ...}`): by position
//      in that file;
//   3. otherwise by name, a name the target holds twice being ambiguous.
//
//   const ClassMatch m = match_classes({names, source, positions}, {labels, labels, {}});
//   if (!m.complete()) ... m.missing, m.ambiguous ...
//
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace roz::core {

struct ClassList {
  const std::vector<std::string>& names;
  // The class file the names were taken from and each name's position there; empty when the
  // names are the list's own (then `source_positions` is ignored).
  const std::vector<std::string>& source;
  const std::vector<std::int64_t>& source_positions;
};

struct ClassMatch {
  std::vector<std::int64_t> columns;  // per class, its column in the target; all of them when complete
  std::vector<std::string> missing;   // classes the target does not hold
  std::string ambiguous;              // a name the target holds twice (rule 3), empty when none
  std::int64_t ambiguous_first = -1, ambiguous_second = -1;  // its two columns
  bool complete() const { return missing.empty() && ambiguous.empty(); }
};

ClassMatch match_classes(const ClassList& classes, const ClassList& target);

}  // namespace roz::core
