// copy_detector: an image descriptor for copy detection (roz overlap), trained by `roz train
// --objective copy_detection` (SSCD's recipe with the audit's copy edits; core/src/training/
// copy_detection_objective.cpp) and embedded here as the default weights (docs/overlap.md says how
// they were made). Unlike a classifier's embedding it separates look-alikes: two photos of the same
// kind of object are negatives in its training, an image and its edited copy positives.
//
// The network: grey input standardised per image (brightness and contrast edits cannot move it),
// four convolution stages, GeM pooling (p = 3, as SSCD) and a linear projection.
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "roz/device.hpp"
#include "roz/embed_file.hpp"
#include "roz/model.hpp"
#include "roz/plugin.hpp"
#include "roz/support/models/module_weights.hpp"

#ifdef ROZ_COPY_DETECTOR_DEFAULT_WEIGHTS
ROZ_EMBED_FILE(roz_copy_detector_weights, ROZ_COPY_DETECTOR_DEFAULT_WEIGHTS);
#endif

namespace {

struct Config {
  std::int64_t resolution = 64;
  std::int64_t width = 32;  // channels of the first stage; the others have 2x, 4x, 4x
  std::int64_t embed_dim = 128;

  std::string to_string() const {
    return "copy_detector/1;resolution=" + std::to_string(resolution) + ";width=" + std::to_string(width) +
           ";embed_dim=" + std::to_string(embed_dim) + ";";
  }
  static Config from_string(const std::string& text, const std::string& what) {
    auto read = [&](const std::string& key) {
      const std::string tag = ";" + key + "=";
      const size_t at = text.find(tag);
      if (text.rfind("copy_detector/1;", 0) != 0 || at == std::string::npos)
        throw roz::DataError("copy_detector: " + what + " holds no copy_detector/1 config (" + key + ")");
      return std::stoll(text.substr(at + tag.size()));
    };
    return {read("resolution"), read("width"), read("embed_dim")};
  }
};

struct NetImpl : torch::nn::Module {
  explicit NetImpl(const Config& c) : config(c) {
    namespace nn = torch::nn;
    const std::int64_t w = c.width;
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, w, 5).stride(2).padding(2)));
    conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(w, 2 * w, 3).stride(2).padding(1)));
    conv3 = register_module("conv3", nn::Conv2d(nn::Conv2dOptions(2 * w, 4 * w, 3).stride(2).padding(1)));
    conv4 = register_module("conv4", nn::Conv2d(nn::Conv2dOptions(4 * w, 4 * w, 3).padding(1)));
    proj = register_module("proj", nn::Linear(4 * w, c.embed_dim));
  }

  // [N,3,R,R] in [0,1] -> [N,D]
  torch::Tensor forward(const torch::Tensor& rgb) {
    torch::Tensor x = rgb.mean(1, true);
    const torch::Tensor mean = x.mean({1, 2, 3}, true);
    const torch::Tensor std = (x - mean).pow(2).mean({1, 2, 3}, true).add(1e-4).sqrt();
    x = (x - mean) / std;
    x = torch::relu(conv1(x));
    x = torch::relu(conv2(x));
    x = torch::relu(conv3(x));
    x = torch::relu(conv4(x));
    x = x.clamp_min(1e-6).pow(3).mean({2, 3}).pow(1.0 / 3);  // GeM, p = 3
    return proj(x);
  }

  Config config;
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr};
  torch::nn::Linear proj{nullptr};
};
TORCH_MODULE(Net);

class CopyDetector final : public roz::Model {
 public:
  CopyDetector(const roz::Params& params, const roz::PluginContext& context)
      : device_(roz::parse_device(context.device, "copy_detector: device")) {
    const std::string& weights = params.get_string("weights");
    if (weights == "random") {
      torch::manual_seed(static_cast<std::uint64_t>(params.get_int("seed")));
      net_ = Net(Config{params.get_int("resolution"), params.get_int("width"), params.get_int("embed_dim")});
    } else if (weights == "default") {
#ifdef ROZ_COPY_DETECTOR_DEFAULT_WEIGHTS
      const auto size = static_cast<size_t>(roz_copy_detector_weights_end - roz_copy_detector_weights_begin);
      load_archive("its embedded weights", [&](torch::serialize::InputArchive& a) {
        a.load_from(reinterpret_cast<const char*>(roz_copy_detector_weights_begin), size, at::kCPU);
      });
#else
      throw roz::Error("copy_detector: this build has no default weights; train them (docs/overlap.md)");
#endif
    } else {
      if (!std::ifstream(weights, std::ios::binary))
        throw roz::DataError("copy_detector: cannot read weights file '" + weights + "'");
      load_archive("'" + weights + "'", [&](torch::serialize::InputArchive& a) { a.load_from(weights, at::kCPU); });
    }
    net_->eval();
    net_->to(device_);
    hash_ = roz::support::module_weights_hash(*net_, net_->config.to_string());
  }

  roz::Preprocessing preprocessing() const override {
    roz::Preprocessing p;
    p.resolution = net_->config.resolution;
    p.mean = {0, 0, 0};  // the network standardises each image itself
    p.std = {1, 1, 1};
    return p;
  }
  std::int64_t embedding_dim() const override {
    return net_->config.embed_dim;
  }

  at::Tensor encode_image(const at::Tensor& images) override {
    const std::int64_t r = net_->config.resolution;
    if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r)
      throw roz::DataError("copy_detector: encode_image expects [N,3," + std::to_string(r) + "," + std::to_string(r) +
                           "] images");
    return net_->forward(images.to(device_, torch::kFloat));
  }

  // One tower, four blocks (the convolution stages), then the projection.
  std::vector<roz::ModelParameter> trainable_parameters() override {
    std::vector<roz::ModelParameter> out;
    for (const auto& item : net_->named_parameters()) {
      roz::ModelParameter p{item.key(), item.value()};
      p.tower = roz::ModelParameter::Tower::image;
      const bool projection = item.key().rfind("proj", 0) == 0;
      p.block = projection ? roz::ModelParameter::kAfterBlocks : item.key()[4] - '1';
      p.projection = projection;
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
    roz::support::load_module_weights(*net_, net_->config.to_string(), path, "copy_detector");
    net_->to(device_);
    hash_ = roz::support::module_weights_hash(*net_, net_->config.to_string());
  }

  std::string content_hash() const override {
    return hash_;
  }

 private:
  template <class Load>
  void load_archive(const std::string& what, Load&& load) {
    torch::serialize::InputArchive archive;
    load(archive);
    net_ = Net(Config::from_string(roz::support::module_architecture(archive), what));
    net_->load(archive);
  }

  at::Device device_;
  Net net_{nullptr};
  std::string hash_;
};

roz::PluginDescriptor describe() {
  const Config c;
  return {
      .name = "copy_detector",
      .kind = roz::PluginKind::model,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description =
          "image descriptor for copy detection (roz overlap), trained SSCD-style by roz train "
          "--objective copy_detection",
      .params = {roz::param::string("weights", "default", "'default' (embedded, trained), 'random', or a weights file"),
                 roz::param::integer("seed", 0, 0, 1ll << 62, "initialisation seed (weights=random)"),
                 roz::param::integer("resolution", c.resolution, 16, 512, "input side (weights=random)"),
                 roz::param::integer("width", c.width, 4, 512, "first stage's channels (weights=random)"),
                 roz::param::integer("embed_dim", c.embed_dim, 8, 4096, "descriptor size (weights=random)")},
      .capabilities = 0,
      .create = roz::factory<CopyDetector>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)
