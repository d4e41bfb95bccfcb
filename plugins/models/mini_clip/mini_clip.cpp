// mini_clip: the project's own small CLIP-style model (see mini_clip_net.hpp), trained by
// `roz train` on Fashion-MNIST; its trained weights are embedded in this plugin as the default.
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "mini_clip_net.hpp"
#include "roz/clip_tokenizer.hpp"
#include "roz/device.hpp"
#include "roz/embed_file.hpp"
#include "roz/model.hpp"
#include "roz/plugin.hpp"
#include "roz/support/models/module_weights.hpp"

#ifdef ROZ_MINI_CLIP_DEFAULT_WEIGHTS
ROZ_EMBED_FILE(roz_mini_clip_weights, ROZ_MINI_CLIP_DEFAULT_WEIGHTS);
#endif

namespace {

using roz::mini_clip::Config;
using roz::mini_clip::Net;

class MiniClip final : public roz::Model {
 public:
  MiniClip(const roz::Params& params, const roz::PluginContext& context)
      : device_(roz::parse_device(context.device, "mini_clip: device")) {
    const std::string& weights = params.get_string("weights");
    if (weights == "random") {
      Config c;
      c.resolution = params.get_int("resolution");
      c.embed_dim = params.get_int("embed_dim");
      c.text_width = params.get_int("text_width");
      c.text_layers = params.get_int("text_layers");
      c.text_heads = params.get_int("text_heads");
      c.context_length = params.get_int("context_length");
      if (c.text_width % c.text_heads != 0)
        throw roz::ParamError("mini_clip: text_width must be a multiple of text_heads");
      torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
      net_ = Net(c);
    } else if (weights == "default") {
#ifdef ROZ_MINI_CLIP_DEFAULT_WEIGHTS
      const auto size = static_cast<size_t>(roz_mini_clip_weights_end - roz_mini_clip_weights_begin);
      load_archive([&](torch::serialize::InputArchive& a) {
        a.load_from(reinterpret_cast<const char*>(roz_mini_clip_weights_begin), size, at::kCPU);
      });
#else
      throw roz::Error("mini_clip: this build has no default weights; train them with `roz train` (docs/training.md)");
#endif
    } else {
      if (!std::ifstream(weights, std::ios::binary))
        throw roz::DataError("mini_clip: cannot read weights file '" + weights + "'");
      load_archive([&](torch::serialize::InputArchive& a) { a.load_from(weights, at::kCPU); });
    }
    net_->eval();
    hash_ = weights_hash();
    net_->to(device_);
    mean_ = torch::tensor(std::vector<double>(net_->config.mean.begin(), net_->config.mean.end()), torch::kFloat)
                .view({1, 3, 1, 1})
                .to(device_);
    std_ = torch::tensor(std::vector<double>(net_->config.std.begin(), net_->config.std.end()), torch::kFloat)
               .view({1, 3, 1, 1})
               .to(device_);
    context.log(roz::LogLevel::debug, "mini_clip: " + net_->config.to_string());
  }

  roz::Preprocessing preprocessing() const override {
    roz::Preprocessing p;
    p.resolution = net_->config.resolution;
    p.mean = net_->config.mean;
    p.std = net_->config.std;
    return p;
  }
  std::int64_t embedding_dim() const override {
    return net_->config.embed_dim;
  }

  at::Tensor encode_image(const at::Tensor& images) override {
    const std::int64_t r = net_->config.resolution;
    if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r)
      throw roz::DataError("mini_clip: encode_image expects [N,3," + std::to_string(r) + "," + std::to_string(r) +
                           "] images");
    return net_->encode_image((images.to(device_, torch::kFloat) - mean_) / std_);
  }

  at::Tensor tokenize(const std::vector<std::string>& texts) override {
    const std::int64_t length = net_->config.context_length;
    at::Tensor tokens = torch::zeros({static_cast<std::int64_t>(texts.size()), length}, torch::kLong);
    auto acc = tokens.accessor<std::int64_t, 2>();
    for (size_t i = 0; i < texts.size(); ++i) {
      auto ids = roz::ClipTokenizer::instance().tokenize(texts[i], static_cast<size_t>(length));
      for (size_t j = 0; j < ids.size(); ++j) acc[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = ids[j];
    }
    return tokens;
  }

  at::Tensor encode_text(const at::Tensor& tokens) override {
    return net_->encode_text(tokens.to(device_));
  }
  double logit_scale() const override {
    return std::min(100.0, std::exp(net_->log_logit_scale.item<double>()));
  }
  at::Tensor learnable_log_logit_scale() override {
    return net_->log_logit_scale;
  }

  // The image tower's blocks are its three convolution stages, the text tower's its transformer
  // layers; the projections (and the text tower's final norm) come after them.
  std::vector<roz::ModelParameter> trainable_parameters() override {
    using Tower = roz::ModelParameter::Tower;
    std::vector<roz::ModelParameter> out;
    for (const auto& item : net_->named_parameters()) {
      const std::string& name = item.key();
      roz::ModelParameter p{name, item.value()};
      auto under = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
      if (under("conv")) {
        p.tower = Tower::image;
        p.block = name[4] - '1';
      } else if (under("image_proj")) {
        p.tower = Tower::image;
        p.block = roz::ModelParameter::kAfterBlocks;
        p.projection = true;
      } else if (under("text_encoder.layers.")) {
        p.tower = Tower::text;
        p.block = std::stoi(name.substr(std::string("text_encoder.layers.").size()));
      } else if (under("ln_final") || under("text_proj")) {
        p.tower = Tower::text;
        p.block = roz::ModelParameter::kAfterBlocks;
        p.projection = under("text_proj");
      } else if (under("token_embedding") || under("positional")) {
        p.tower = Tower::text;
      }
      out.push_back(std::move(p));
    }
    return out;
  }
  void set_training(bool training) override {
    net_->train(training);
  }

  void save(const std::string& path) const override {
    roz::support::save_module_weights(*net_, net_->config.to_string(), path);
  }

  void load(const std::string& path) override {
    roz::support::load_module_weights(*net_, net_->config.to_string(), path, "mini_clip");
    net_->to(device_);
    hash_ = weights_hash();
  }

  std::string content_hash() const override {
    return hash_;
  }

 private:
  std::string weights_hash() const {
    return roz::support::module_weights_hash(*net_, net_->config.to_string());
  }

  template <class Load>
  void load_archive(Load&& load) {
    torch::serialize::InputArchive archive;
    load(archive);
    const std::string config = roz::support::module_architecture(archive);
    if (config.empty()) throw roz::DataError("mini_clip: the weights file has no mini_clip config");
    net_ = Net(Config::from_string(config));
    net_->load(archive);
  }

  at::Device device_;
  Net net_{nullptr};
  std::string hash_;
  at::Tensor mean_, std_;
};

roz::PluginDescriptor describe() {
  Config c;
  return {
      .name = "mini_clip",
      .kind = roz::PluginKind::model,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description =
          "RoZ's small CLIP-style model (CNN image tower, transformer text tower over CLIP BPE), "
          "trained on Fashion-MNIST by roz train",
      .params = {roz::param::string("weights", "default", "'default' (embedded, trained), 'random', or a weights file"),
                 roz::param::integer("seed", 0, 0, 1ll << 62, "initialisation seed (weights=random)"),
                 roz::param::integer("resolution", c.resolution, 8, 512, "input side (weights=random)"),
                 roz::param::integer("embed_dim", c.embed_dim, 8, 4096, "joint embedding size (weights=random)"),
                 roz::param::integer("text_width", c.text_width, 8, 1024, "text transformer width (weights=random)"),
                 roz::param::integer("text_layers", c.text_layers, 1, 24, "text transformer layers (weights=random)"),
                 roz::param::integer("text_heads", c.text_heads, 1, 32, "attention heads (weights=random)"),
                 roz::param::integer("context_length", c.context_length, 4, 77, "tokens per prompt (weights=random)")},
      .capabilities = 0,
      .create = roz::factory<MiniClip>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)
