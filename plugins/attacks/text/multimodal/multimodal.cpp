// multimodal and mmcoa: a text-prompt attack and an image attack together. The host first attacks the
// class prompts with `text` and rebuilds the zero-shot head from the attacked prompts; the images are
// scored with that attacked head. The image attack (`image`, PGD by default) targets
//   multimodal: the attacked head, so the image perturbation is computed for the attacked prompts;
//   mmcoa:      the clean prompts' head (kImagesAgainstCleanPrompts), the multimodal co-attack protocol
//               of Zhou et al. 2024 ("Revisiting the adversarial robustness of vision language models:
//               a multimodal perspective", MMCoA): each modality is attacked on its own, then combined.
//   mmcoa:text=(word_substitution:k=1),image=(pgd:eps=1/255,steps=10)
#include "roz/error.hpp"
#include "roz/spec.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "text_attacks_library.hpp"

namespace {

class Multimodal final : public roz::Attack {
 public:
  Multimodal(const roz::Params& p, const roz::PluginContext& context) {
    if (context.host == nullptr) throw roz::Error("multimodal: created without a host, cannot create its attacks");
    text_ = context.host->create_attack(p.get_spec("text"));
    image_ = context.host->create_attack(p.get_spec("image"));
  }

 private:
  roz::PromptAttackResult perturb_prompts_(roz::Classifier& target, const roz::PromptSet& prompts,
                                           const roz::AttackBatch& batch) override {
    return text_->perturb_prompts(target, prompts, batch);
  }

  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return image_->perturb(target, batch);
  }

  std::shared_ptr<roz::Attack> text_;
  std::shared_ptr<roz::Attack> image_;
};

roz::ParamSpec nested(std::string name, const char* default_spec, std::string help) {
  roz::ParamSpec p = roz::param::spec(std::move(name), std::move(help));
  p.default_value = roz::parse_spec(default_spec);
  return p;
}

}  // namespace

roz::PluginDescriptor roz::builtin::describe_multimodal() {
  return roz::attacks::attack_descriptor(
      "multimodal", "text-prompt attack, then an image attack against the attacked prompts' head",
      {nested("text", "word_substitution", "text-prompt attack, e.g. (word_substitution:k=1)"),
       nested("image", "pgd:eps=1/255", "image attack run against the attacked head, e.g. (pgd:eps=1/255)")},
      roz::kAttacksText | roz::kNeedsGradients, roz::factory<Multimodal>());
}

roz::PluginDescriptor roz::builtin::describe_mmcoa() {
  return roz::attacks::attack_descriptor(
      "mmcoa",
      "MMCoA's multimodal co-attack (Zhou et al. 2024): the image attack against the clean prompts' head, the "
      "prompts attacked by a text attack, the attacked images scored with the attacked prompts' head",
      {nested("text", "word_substitution", "text-prompt attack, e.g. (word_substitution:k=1)"),
       nested("image", "pgd:eps=1/255", "image attack run against the clean prompts' head, e.g. (pgd:eps=1/255)")},
      roz::kAttacksText | roz::kNeedsGradients | roz::kImagesAgainstCleanPrompts, roz::factory<Multimodal>());
}
