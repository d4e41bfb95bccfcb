#include "mini_clip_net.hpp"

#include <cmath>
#include <sstream>

#include "roz/error.hpp"

namespace roz::mini_clip {

namespace {

// A flat "key=value;" encoding: the archive stores the config as one string, without a JSON
// dependency in the plugin.
std::int64_t read_int(const std::string& text, const std::string& key) {
  auto pos = text.find(key + "=");
  if (pos == std::string::npos) throw Error("mini_clip: weights file config lacks '" + key + "'");
  return std::stoll(text.substr(pos + key.size() + 1));
}

double read_real(const std::string& text, const std::string& key) {
  auto pos = text.find(key + "=");
  if (pos == std::string::npos) throw Error("mini_clip: weights file config lacks '" + key + "'");
  return std::stod(text.substr(pos + key.size() + 1));
}

}  // namespace

std::string Config::to_string() const {
  std::ostringstream out;
  out.precision(17);
  out << "resolution=" << resolution << ";embed_dim=" << embed_dim << ";text_width=" << text_width
      << ";text_layers=" << text_layers << ";text_heads=" << text_heads << ";context_length=" << context_length;
  for (int c = 0; c < 3; ++c) out << ";mean" << c << "=" << mean[static_cast<size_t>(c)];
  for (int c = 0; c < 3; ++c) out << ";std" << c << "=" << std[static_cast<size_t>(c)];
  return out.str() + ";";
}

Config Config::from_string(const std::string& text) {
  Config c;
  c.resolution = read_int(text, "resolution");
  c.embed_dim = read_int(text, "embed_dim");
  c.text_width = read_int(text, "text_width");
  c.text_layers = read_int(text, "text_layers");
  c.text_heads = read_int(text, "text_heads");
  c.context_length = read_int(text, "context_length");
  for (int i = 0; i < 3; ++i) {
    c.mean[static_cast<size_t>(i)] = read_real(text, "mean" + std::to_string(i));
    c.std[static_cast<size_t>(i)] = read_real(text, "std" + std::to_string(i));
  }
  return c;
}

NetImpl::NetImpl(const Config& cfg) : config(cfg) {
  namespace nn = torch::nn;
  conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 24, 3).padding(1)));
  conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(24, 48, 3).padding(1)));
  conv3 = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(48, 96, 3).padding(1)));
  image_proj = register_module("image_proj", nn::Linear(96, cfg.embed_dim));
  token_embedding = register_module("token_embedding", nn::Embedding(49408, cfg.text_width));
  positional = register_parameter("positional", torch::randn({cfg.context_length, cfg.text_width}) * 0.01);
  nn::TransformerEncoderLayerOptions layer(cfg.text_width, cfg.text_heads);
  layer.dim_feedforward(2 * cfg.text_width).dropout(0.0);
  text_encoder =
      register_module("text_encoder", nn::TransformerEncoder(nn::TransformerEncoderOptions(layer, cfg.text_layers)));
  ln_final = register_module("ln_final", nn::LayerNorm(nn::LayerNormOptions({cfg.text_width})));
  text_proj = register_module("text_proj", nn::Linear(cfg.text_width, cfg.embed_dim));
  log_logit_scale = register_parameter("log_logit_scale", torch::full({}, std::log(1.0 / 0.07)));
  causal_mask =
      register_buffer("causal_mask", torch::full({cfg.context_length, cfg.context_length}, -INFINITY).triu(1));
  torch::nn::init::normal_(token_embedding->weight, 0.0, 0.02);
}

torch::Tensor NetImpl::encode_image(const torch::Tensor& x) {
  auto h = torch::max_pool2d(torch::relu(conv1(x)), 2);
  h = torch::max_pool2d(torch::relu(conv2(h)), 2);
  h = torch::relu(conv3(h));
  h = torch::adaptive_avg_pool2d(h, {1, 1}).flatten(1);
  return image_proj(h);
}

torch::Tensor NetImpl::encode_text(const torch::Tensor& tokens) {
  const std::int64_t n = tokens.size(1);
  if (n > config.context_length)
    throw Error("mini_clip: " + std::to_string(n) + " tokens exceed the context length " +
                std::to_string(config.context_length));
  auto x = token_embedding(tokens) + positional.slice(0, 0, n);
  auto mask = causal_mask.slice(0, 0, n).slice(1, 0, n);
  x = text_encoder(x.transpose(0, 1), mask).transpose(0, 1);
  x = ln_final(x);
  // Pooled at the end token, which has the highest id (CLIP's argmax trick).
  auto eot = tokens.argmax(1);
  x = x.index({torch::arange(x.size(0)), eot});
  return text_proj(x);
}

}  // namespace roz::mini_clip
