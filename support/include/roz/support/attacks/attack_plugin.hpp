// Descriptors of the built-in attacks: the fields they all share, and the plugin class of attacks
// that are one library function of options parsed from their parameters (BIM/PGD/MI/DI, APGD, FAB).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roz/support/descriptor.hpp"
#include "roz/attack.hpp"
#include "roz/context.hpp"
#include "roz/descriptor.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

inline PluginDescriptor attack_descriptor(std::string name, std::string description, std::vector<ParamSpec> params,
                                          std::uint32_t capabilities, PluginFactory create) {
  return support::descriptor(std::move(name), PluginKind::attack, std::move(description), std::move(params),
                             capabilities, std::move(create));
}

// The eps-ball Attack::perturb checks for an attack of these options (fields eps and norm); eps 0
// means unbounded (FAB's minimal perturbations).
template <class Options>
std::optional<ThreatModel> options_threat_model(const Options& options) {
  if (options.eps > 0) return ThreatModel{options.norm, options.eps};
  return std::nullopt;
}

template <class Options>
using AttackFunction = AttackResult (*)(Classifier&, const AttackBatch&, const Options&, const PluginContext&,
                                        const std::string&);

// A gradient attack whose algorithm is `run`: options parsed once at creation, `run` per batch.
template <class Options>
PluginDescriptor function_attack(std::string name, std::string description, std::vector<ParamSpec> params,
                                 std::function<Options(const Params&)> parse, AttackFunction<Options> run) {
  class FunctionAttack final : public Attack {
   public:
    FunctionAttack(Options options, AttackFunction<Options> run, PluginContext context, std::string name)
        : Attack(options_threat_model(options)),
          options_(std::move(options)),
          run_(run),
          context_(std::move(context)),
          name_(std::move(name)) {}

   private:
    AttackResult perturb_(Classifier& target, const AttackBatch& batch) override {
      return run_(target, batch, options_, context_, name_);
    }

    Options options_;
    AttackFunction<Options> run_;
    PluginContext context_;
    std::string name_;
  };
  PluginFactory create = [parse, run, name](const Params& p, const PluginContext& context) -> std::unique_ptr<Plugin> {
    return std::make_unique<FunctionAttack>(parse(p), run, context, name);
  };
  return attack_descriptor(name, std::move(description), std::move(params), kNeedsGradients, std::move(create));
}

}  // namespace roz::attacks
