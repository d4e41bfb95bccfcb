// The names of the resize filters, as model conventions (roz.json) and reports write them.
#include "roz/preprocessing.hpp"

namespace roz {

std::string_view to_string(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::bicubic:
      return "bicubic";
    case Interpolation::bilinear:
      return "bilinear";
  }
  return "?";
}

std::optional<Interpolation> parse_interpolation(std::string_view name) {
  for (Interpolation i : {Interpolation::bicubic, Interpolation::bilinear})
    if (to_string(i) == name) return i;
  return std::nullopt;
}

}  // namespace roz
