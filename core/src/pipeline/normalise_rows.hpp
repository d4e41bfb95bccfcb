// Rows scaled to unit L2 norm (embeddings before a cosine): the zero-shot head's and training's.
#pragma once

#include <ATen/core/Tensor.h>

namespace roz::core {

at::Tensor normalise_rows(const at::Tensor& x);

}  // namespace roz::core
