// AutoAttack, standard version (Croce & Hein 2020): APGD-CE, APGD-T (targeted DLR), FAB-T and Square
// run in sequence, each on the points the previous ones left correctly classified, as the reference
// does. The members are the built-in plugins, created through the host with the shared eps and
// norm; with the same seeds the ensemble is at least as strong as its strongest member.
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "roz/error.hpp"
#include "roz/support/attacks/attack_ops.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

namespace {

class AutoAttack final : public roz::Attack {
 public:
  AutoAttack(const roz::Params& p, const roz::PluginContext& context)
      : Attack(roz::ThreatModel{roz::attacks::parse_norm(p.get_string("norm")), p.get_real("eps")}), context_(context) {
    if (context.host == nullptr) throw roz::Error("autoattack: created without a host, cannot create its members");
    const std::string eps = roz::format_number(p.get_real("eps")), norm = p.get_string("norm");
    const std::string steps = std::to_string(p.get_int("steps")), targets = std::to_string(p.get_int("target_classes"));
    std::vector<std::string> members = {
        "apgd_ce:eps=" + eps + ",norm=" + norm + ",steps=" + steps,
        "apgd_dlr:eps=" + eps + ",norm=" + norm + ",steps=" + steps + ",targeted=true,target_classes=" + targets,
        "fab:eps=" + eps + ",norm=" + norm + ",steps=" + steps + ",targeted=true,target_classes=" + targets,
        // p_init 0.8, as the reference configures Square inside AutoAttack
        "square:eps=" + eps + ",norm=" + norm + ",p_init=0.8,queries=" + std::to_string(p.get_int("square_queries"))};
    for (const std::string& spec : members)
      members_.emplace_back(spec, context.host->create_attack(roz::parse_spec(spec)));
  }

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    using namespace roz::attacks;
    roz::AttackResult out{batch.images.detach().clone(), 0, 0};
    for (auto& [spec, attack] : members_) {
      at::Tensor correct;
      {
        c10::NoGradGuard no_grad;
        correct = target.logits(out.images).argmax(1).eq(batch.labels).to(at::kCPU);
        out.queries += batch.images.size(0);
      }
      at::Tensor rows = correct.nonzero().squeeze(1);
      context_.log(roz::LogLevel::debug, "autoattack: " + spec + " on " + std::to_string(rows.numel()) + " points");
      if (rows.numel() == 0) break;
      SubBatch sub = select(batch, rows);
      roz::AttackResult r = attack->perturb(target, sub.view());
      out.images.index_copy_(0, rows.to(out.images.device()), r.images.to(out.images.scalar_type()));
      out.gradient_evaluations += r.gradient_evaluations;
      out.queries += r.queries;
    }
    return out;
  }

  roz::PluginContext context_;
  std::vector<std::pair<std::string, std::shared_ptr<roz::Attack>>> members_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_autoattack() {
  return roz::attacks::attack_descriptor(
      "autoattack", "AutoAttack (standard): APGD-CE, APGD-T, FAB-T and Square in sequence on the points still correct",
      {roz::param::real("eps", 8.0 / 255, 0.0, 1.0, "perturbation budget in [0,1] pixel units"),
       roz::param::choice("norm", "linf", {"linf", "l2"}, "threat model"),
       roz::param::integer("steps", 100, 1, 100000, "iterations of APGD and FAB (the reference: 100)"),
       roz::param::integer("target_classes", 9, 1, 1000, "target classes of APGD-T and FAB-T (reference: 9)"),
       roz::param::integer("square_queries", 5000, 1, 1000000, "Square's query budget (reference: 5000)")},
      roz::kNeedsGradients | roz::kNeedsScoresOnly, roz::factory<AutoAttack>());
}
