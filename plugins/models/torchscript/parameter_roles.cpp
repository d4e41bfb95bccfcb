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

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

void assign_role(ModelParameter& p) {
  using Tower = ModelParameter::Tower;
  static const std::set<std::string> projections = {
      "text_projection", "visual_projection", "image_projection", "visual_proj", "image_proj", "text_proj", "attnpool"};
  static const std::set<std::string> final_norms = {"ln_post", "ln_final", "post_layernorm", "final_layer_norm"};
  const std::vector<std::string> parts = components(p.name);
  // The first component that names a tower decides ("towers.0." and the like name none). A bare
  // top-level "proj" is the image projection: CLIP calls the text one "text_projection".
  p.tower = Tower::text;
  for (const std::string& part : parts) {
    if (part == "logit_scale") p.tower = Tower::shared;
    if (starts_with(part, "visual") || starts_with(part, "vision") || starts_with(part, "image") ||
        starts_with(part, "conv") || (part == "proj" && parts.size() == 1))
      p.tower = Tower::image;
    if (p.tower != Tower::text || starts_with(part, "text") || starts_with(part, "transformer") ||
        starts_with(part, "token"))
      break;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    // Transformer blocks ("resblocks.K", "layers.K") and ResNet stages ("layer1".."layer4").
    if ((part == "resblocks" || part == "layers") && i + 1 < parts.size() && is_index(parts[i + 1])) {
      p.block = std::stoi(parts[i + 1]);
      return;
    }
    if (part.size() > 5 && starts_with(part, "layer") && is_index(part.substr(5))) {
      p.block = std::stoi(part.substr(5)) - 1;
      return;
    }
    // "proj" is a projection as a parameter of its own (visual.proj), not as a layer in a block.
    const bool projection = projections.count(part) > 0 || (part == "proj" && i + 1 == parts.size());
    if (projection || final_norms.count(part) > 0) {
      p.block = ModelParameter::kAfterBlocks;
      p.projection = projection;
      return;
    }
  }
}

}  // namespace roz::torchscript
