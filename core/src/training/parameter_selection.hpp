// Which of a model's parameters train (roz train --trainable):
//   all         every parameter (and the learned temperature)
//   image       the image tower
//   text        the text tower
//   projection  the towers' projections into the joint space
//   last:N      the image tower's last N blocks and everything after them (final norm, projection)
#pragma once

#include <string>
#include <vector>

#include "roz/model.hpp"

namespace roz::core {

// The selected parameters, in the model's order. Throws a SpecError naming the selection when it
// is unknown, N is out of range, or nothing would train.
std::vector<ModelParameter> select_parameters(std::vector<ModelParameter> parameters, const std::string& selection,
                                              const std::string& model_label);

}  // namespace roz::core
