// The mini-CLIP network: a small CNN image tower and a causal transformer text tower over CLIP's BPE
// vocabulary, projected into one embedding space, with a learnable temperature.
#pragma once

#include <torch/torch.h>

#include <string>

namespace roz::mini_clip {

struct Config {
  std::int64_t resolution = 28;
  std::int64_t embed_dim = 128;
  std::int64_t text_width = 64;
  std::int64_t text_layers = 2;
  std::int64_t text_heads = 4;
  std::int64_t context_length = 16;
  std::array<double, 3> mean{0.2860, 0.2860, 0.2860};  // Fashion-MNIST statistics
  std::array<double, 3> std{0.3530, 0.3530, 0.3530};

  std::string to_string() const;
  static Config from_string(const std::string& text);
};

struct NetImpl : torch::nn::Module {
  explicit NetImpl(const Config& config);

  torch::Tensor encode_image(const torch::Tensor& normalised);  // [N,3,R,R] -> [N,D]
  torch::Tensor encode_text(const torch::Tensor& tokens);       // [N,L] -> [N,D]

  Config config;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::Linear image_proj{nullptr};
  torch::nn::Embedding token_embedding{nullptr};
  torch::Tensor positional;
  torch::nn::TransformerEncoder text_encoder{nullptr};
  torch::nn::LayerNorm ln_final{nullptr};
  torch::nn::Linear text_proj{nullptr};
  torch::Tensor log_logit_scale;
  torch::Tensor causal_mask;
};
TORCH_MODULE(Net);

}  // namespace roz::mini_clip
