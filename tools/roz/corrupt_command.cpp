// roz corrupt: applies corruption specs to one image or a folder, writing an ImageNet-C-style tree.
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "roz/core/corrupt_files.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"

namespace roz::cli {

void add_corrupt_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  struct Args {
    std::vector<std::string> corruptions;
    std::vector<int> severities;
    std::string input, output, format = "png";
    std::uint64_t seed = 0;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("corrupt", "apply corruptions to an image or a folder (ImageNet-C-style output tree)");
  cmd->add_option("--corruption", args->corruptions,
                  "corruption spec (repeatable), e.g. fog:severity=3, jpeg_compression:quality=20; 'all': every "
                  "ImageNet-C corruption at severities 1-5")
      ->required();
  cmd->add_option("--severity", args->severities, "severities for specs without parameters, e.g. --severity 1 2 3 4 5")
      ->check(CLI::Range(1, 5));
  cmd->add_option("--in", args->input, "an image file or a folder (searched recursively)")->required();
  cmd->add_option("--out", args->output,
                  "output folder (OUT/corruption/level/relative/path), or an image file for one image and one spec")
      ->required();
  cmd->add_option("--seed", args->seed, "run seed; each file's seed derives from it, the spec and the file's path");
  cmd->add_option("--format", args->format, "png (lossless) or jpg (quality 95)")->check(CLI::IsMember({"png", "jpg"}));
  commands.push_back({cmd, [&global, args] {
                        core::Registry registry = core::Registry::discover(search_path(global));
                        for (const core::LoadFailure& f : registry.failures()) spdlog::warn("{}", f.message);
                        core::PluginHost host(registry, args->seed, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());
                        core::CorruptOptions options{core::expand_corruptions(registry, args->corruptions, args->severities),
                                                     args->input, args->output, args->seed, args->format};
                        core::CorruptReport r = core::corrupt_files(host, options);
                        spdlog::info("{} images written, {} skipped, in {:.1f} s", r.written, r.skipped, r.seconds);
                        for (const std::string& message : r.unreadable) spdlog::warn("{}", message);
                        return r.unreadable.empty() ? 0 : 1;
                      }});
}

}  // namespace roz::cli
