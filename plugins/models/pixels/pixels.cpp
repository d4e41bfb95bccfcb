// pixels: an image embedding for near-duplicate search, not a classifier. The image is reduced to
// a size x size grey thumbnail by area averaging and centred on its mean, so after the host's L2
// normalisation the cosine between two images is the correlation of their thumbnails: unchanged by
// brightness and contrast changes, and barely moved by JPEG, resizing or a small crop. A model
// trained on the evaluation classes (the mini-CLIP) maps every item of a class close together,
// which is what a classifier should do and what a duplicate detector must not (docs/overlap.md).
#include <ATen/ATen.h>

#include "roz/error.hpp"
#include "roz/hash.hpp"
#include "roz/model.hpp"
#include "roz/plugin.hpp"
#include "roz/support/descriptor.hpp"

namespace {

class Pixels final : public roz::Model {
 public:
  Pixels(const roz::Params& params, const roz::PluginContext&)
      : size_(params.get_int("size")), resolution_(params.get_int("resolution")), grey_(params.get_bool("grey")) {
    if (size_ > resolution_)
      throw roz::ParamError("pixels: size " + std::to_string(size_) + " exceeds resolution " +
                            std::to_string(resolution_));
    hash_ = roz::sha256_hex("pixels/1\nsize=" + std::to_string(size_) + "\nresolution=" + std::to_string(resolution_) +
                            "\ngrey=" + (grey_ ? "true" : "false"));
  }

  roz::Preprocessing preprocessing() const override {
    roz::Preprocessing p;
    p.resolution = resolution_;
    p.mean = {0, 0, 0};
    p.std = {1, 1, 1};
    return p;
  }
  std::int64_t embedding_dim() const override { return size_ * size_ * (grey_ ? 1 : 3); }

  at::Tensor encode_image(const at::Tensor& images) override {
    at::Tensor x = grey_ ? images.mean(1, true) : images;
    x = at::adaptive_avg_pool2d(x, {size_, size_}).flatten(1);
    return x - x.mean(1, true);
  }

  std::vector<roz::ModelParameter> trainable_parameters() override { return {}; }
  void set_training(bool) override {}
  void save(const std::string&) const override { throw roz::Error("pixels: has no weights to save"); }
  void load(const std::string&) override { throw roz::Error("pixels: has no weights to load"); }
  std::string content_hash() const override { return hash_; }

 private:
  std::int64_t size_, resolution_;
  bool grey_;
  std::string hash_;
};

roz::PluginDescriptor describe() {
  return roz::support::descriptor(
      "pixels", roz::PluginKind::model,
      "image-only embedding for duplicate search: a mean-centred size x size thumbnail (roz overlap)",
      {roz::param::integer("size", 8, 2, 128, "thumbnail side (8: calibrated in docs/overlap.md)"),
       roz::param::integer("resolution", 64, 8, 1024, "input side the image pipeline resizes to"),
       roz::param::boolean("grey", true, "average the colour channels")},
      0, roz::factory<Pixels>());
}

}  // namespace

ROZ_PLUGIN(describe)
