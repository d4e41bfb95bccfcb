// transfer: any attack computed on a source model, evaluated on the target (the black-box transfer
// setting). transfer:source=(torchscript:path=rn50.pt),attack=(pgd:eps=4/255). The source model
// gets a zero-shot head from the target's class prompts; images are resized (bilinear,
// differentiably) when the source expects another resolution.
#include <ATen/ATen.h>

#include "black_box_attacks_library.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/support/attacks/attack_ops.hpp"
#include "roz/support/attacks/attack_plugin.hpp"

namespace {

// The source classifier seen at the target's image size.
class ResizedClassifier final : public roz::Classifier {
 public:
  ResizedClassifier(std::shared_ptr<roz::Classifier> inner, std::int64_t side)
      : inner_(std::move(inner)), side_(side) {}
  at::Tensor logits(const at::Tensor& images) override {
    if (images.size(-1) == side_ && images.size(-2) == side_) return inner_->logits(images);
    return inner_->logits(at::upsample_bilinear2d(images, {side_, side_}, false));
  }
  std::int64_t num_classes() const override { return inner_->num_classes(); }
  roz::Model& model() override { return inner_->model(); }

 private:
  std::shared_ptr<roz::Classifier> inner_;
  std::int64_t side_;
};

class Transfer final : public roz::Attack {
 public:
  Transfer(const roz::Params& p, const roz::PluginContext& context) : host_(context.host) {
    if (host_ == nullptr) throw roz::Error("transfer: created without a host, cannot create the source model");
    source_ = host_->create_model(p.get_spec("source"));
    attack_ = host_->create_attack(p.get_spec("attack"));
  }

 private:
  roz::AttackResult perturb_(roz::Classifier&, const roz::AttackBatch& batch) override {
    if (batch.prompts == nullptr) throw roz::Error("transfer: the batch carries no class prompts for the source head");
    if (!source_classifier_ || prompts_.class_names != batch.prompts->class_names ||
        prompts_.templates != batch.prompts->templates) {
      prompts_ = *batch.prompts;
      source_classifier_ = std::make_shared<ResizedClassifier>(host_->create_classifier(source_, prompts_),
                                                               source_->preprocessing().resolution);
    }
    return attack_->perturb(*source_classifier_, batch);
  }

  roz::Host* host_;
  std::shared_ptr<roz::Model> source_;
  std::shared_ptr<roz::Attack> attack_;
  roz::PromptSet prompts_;
  std::shared_ptr<roz::Classifier> source_classifier_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_transfer() {
  return roz::attacks::attack_descriptor(
      "transfer", "transfer attack: an attack computed on a source model, evaluated on the target",
      {roz::param::required(roz::param::spec("source", "source model spec, e.g. (torchscript:path=rn50.pt)")),
       roz::param::required(roz::param::spec("attack", "attack run on the source, e.g. (pgd:eps=4/255)"))},
      roz::kNeedsSourceModel, roz::factory<Transfer>());
}
