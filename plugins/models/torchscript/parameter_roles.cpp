#include "parameter_roles.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <vector>

namespace roz::torchscript {

namespace {

std::vector<std::string> components(const std::string& name) {
  std::vector<std::string> out;
  std::stringstream in(name);
  for (std::string part; std::getline(in, part, '.');) out.push_back(part);
  return out;
}

bool is_index(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

void assign_role(ModelParameter& p) {
  using Tower = ModelParameter::Tower;
  // A bare "proj" is the image projection: CLIP calls the text one "text_projection".
  static const std::set<std::string> image_roots = {"visual", "vision_model", "visual_projection",
                                                    "vision", "image_proj",   "proj"};
  static const std::set<std::string> projections = {"proj",     "text_projection", "visual_projection",
                                                    "attnpool", "image_proj",      "text_proj"};
  static const std::set<std::string> final_norms = {"ln_post", "ln_final", "post_layernorm", "final_layer_norm"};
  const std::vector<std::string> parts = components(p.name);
  p.tower = Tower::text;
  // The first component that names a tower decides ("towers.0." and the like name none).
  for (const std::string& part : parts) {
    if (part == "logit_scale") p.tower = Tower::shared;
    if (image_roots.count(part) > 0 || part.rfind("conv", 0) == 0) p.tower = Tower::image;
    if (p.tower != Tower::text || part == "transformer" || part == "text_model" || part == "token_embedding") break;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    // Transformer blocks ("resblocks.K", "layers.K") and ResNet stages ("layer1".."layer4").
    if ((part == "resblocks" || part == "layers") && i + 1 < parts.size() && is_index(parts[i + 1])) {
      p.block = std::stoi(parts[i + 1]);
      return;
    }
    if (part.size() > 5 && part.rfind("layer", 0) == 0 && is_index(part.substr(5))) {
      p.block = std::stoi(part.substr(5)) - 1;
      return;
    }
    if (projections.count(part) > 0 || final_norms.count(part) > 0) {
      p.block = ModelParameter::kAfterBlocks;
      p.projection = projections.count(part) > 0;
      return;
    }
  }
}

}  // namespace roz::torchscript
