// Where a TorchScript CLIP's parameter sits (tower, block, projection), read from its name. The
// names follow the source model: OpenAI CLIP and open_clip ("visual.transformer.resblocks.3.",
// "visual.layer2.", "transformer.resblocks.", "text_projection"), Hugging Face ("vision_model.
// encoder.layers.", "visual_projection"), with any wrapper prefix (the export script's "towers.0.").
#pragma once

#include <string>

#include "roz/model.hpp"

namespace roz::torchscript {

// Fills tower, block and projection of `p` from p.name.
void assign_role(ModelParameter& p);

}  // namespace roz::torchscript
