// Copy-detection descriptor training, SSCD's recipe (Pizzi et al., "A Self-Supervised Descriptor for
// Image Copy Detection", CVPR 2022) with the audit's own copy edits as the augmentations. Each image
// x_i of the batch gives two views: x_i itself and a copy c_i made by one edit drawn from
// copy_edits.hpp (seeded per image and epoch), applied to the image as decoded and then resized for
// the model, as a copy in a pre-training set was made (a copy rescaled by 0.5 keeps half the
// image's own pixels, not half the model's). With z the 2N L2-normalised embeddings and tau the
// temperature:
//   L_InfoNCE = mean over the 2N views of CE(z_v . z_u / tau for u != v, target: v's other view)
//   L_KoLeo   = -mean_i log min_{j != i} ||z_i - z_j||    over the N originals (SSCD's entropy term:
//               it spreads the descriptors, so unrelated images stay apart in every direction)
//   loss      = L_InfoNCE + entropy_weight * L_KoLeo
// The negatives are the batch's other images, so a batch of one class teaches the descriptor to
// tell look-alikes apart: it is never asked what an image shows, only which image it is.
#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "objective.hpp"
#include "pipeline/normalise_rows.hpp"
#include "roz/core/copy_edits.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/trainer.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {

class CopyDetectionObjective final : public TrainObjective {
 public:
  explicit CopyDetectionObjective(const ObjectiveContext& context)
      : c_(context), preprocessing_(context.model->preprocessing()) {
    if (!(context.options.temperature > 0)) throw SpecError("roz train: temperature must be > 0");
    if (!(context.options.entropy_weight >= 0)) throw SpecError("roz train: entropy_weight must be >= 0");
  }

  at::Tensor loss(const TrainBatch& batch) override {
    const auto n = static_cast<std::int64_t>(batch.images.size());
    std::vector<cv::Mat> copies(batch.images.size());
    parallel_for(batch.images.size(), c_.host.threads(), [&](size_t i) {
      const CopyEdit edit = draw_copy_edit(derive_seed(batch.seeds[i], "copy-edit", batch.ids[i]));
      copies[i] = resize_center_crop(apply_copy_edit(c_.host, edit, batch.decoded[i], batch.ids[i]), preprocessing_);
    });
    at::Tensor views = at::cat({batch.pixels, to_tensor(copies).to(batch.pixels.device())});
    at::Tensor z = normalise_rows(c_.model->encode_image(views));
    at::Tensor similarity = at::matmul(z, z.t()) / c_.options.temperature;
    at::Tensor self = at::eye(2 * n, similarity.options().dtype(at::kBool));
    similarity = similarity.masked_fill(self, -std::numeric_limits<float>::infinity());
    at::Tensor other = at::arange(2 * n, similarity.options().dtype(at::kLong)).add(n).remainder(2 * n);
    at::Tensor info_nce = at::cross_entropy_loss(similarity, other);

    at::Tensor originals = z.slice(0, 0, n);
    at::Tensor distances = at::cdist(originals, originals).masked_fill(at::eye(n, self.options()), 4.0);
    at::Tensor koleo = -at::log(std::get<0>(distances.min(1)) + 1e-8).mean();
    return info_nce + c_.options.entropy_weight * koleo;
  }

  nlohmann::json config() const override {
    nlohmann::json edits = nlohmann::json::array();
    for (const std::string& kind : copy_edit_kinds()) edits.push_back(kind);
    return {{"temperature", c_.options.temperature}, {"entropy_weight", c_.options.entropy_weight}, {"edits", edits}};
  }

 private:
  ObjectiveContext c_;
  Preprocessing preprocessing_;
};

}  // namespace

std::unique_ptr<TrainObjective> make_copy_detection_objective(const ObjectiveContext& context) {
  return std::make_unique<CopyDetectionObjective>(context);
}

}  // namespace roz::core
