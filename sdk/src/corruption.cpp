// The corruption contract, checked once for every corruption around apply.
#include "roz/corruption.hpp"

#include <opencv2/core.hpp>

#include "roz/error.hpp"

namespace roz {

Corruption::~Corruption() = default;

CorruptionOutput Corruption::apply(const CorruptionInput& input) const {
  if (input.image.empty() || input.image.type() != CV_8UC3)
    throw Error("apply needs a non-empty 8-bit RGB image (CV_8UC3) (sample '" + input.sample_id + "')");
  CorruptionOutput out = apply_(input);
  if (!out.skipped && (out.image.type() != input.image.type() || out.image.size() != input.image.size()))
    throw Error("apply returned an image of another size or type than its input (sample '" + input.sample_id + "')");
  return out;
}

}  // namespace roz
