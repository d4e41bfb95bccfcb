// roz embed: dataset -> L2-normalised image embeddings (.npy) + ids (.ids.jsonl).
#include <spdlog/spdlog.h>

#include <iostream>

#include "commands.hpp"
#include "roz/core/embedder.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"

namespace roz::cli {

void add_embed_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  struct Args {
    std::string model, dataset, out, captions;
    std::size_t limit = 0;
    std::int64_t batch_size = 64;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("embed", "write L2-normalised image embeddings of a dataset (.npy + ids)");
  cmd->add_option("--model", args->model, "model spec")->required();
  cmd->add_option("--dataset", args->dataset, "ImageFolder root, manifest file or manifest name")->required();
  cmd->add_option("--out", args->out, "output FILE.npy (ids go to FILE.ids.jsonl)")->required();
  cmd->add_option("--limit", args->limit, "embed the first N images in file order (0: all)");
  cmd->add_option("--captions", args->captions,
                  "JSONL/CSV of id and caption per sample: caption text embeddings to FILE.text.npy")
      ->check(CLI::ExistingFile);
  cmd->add_option("--batch-size", args->batch_size, "images per batch")->check(CLI::PositiveNumber);
  commands.push_back({cmd, [&global, args] {
                        core::Registry registry = core::Registry::discover(search_path(global));
                        for (const core::LoadFailure& f : registry.failures()) spdlog::warn("{}", f.message);
                        core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());
                        core::EmbedOptions options{parse_spec(args->model), args->dataset, args->out,
                                                   args->captions,          args->limit,   args->batch_size};
                        core::EmbedReport r = core::embed_dataset(host, options);
                        spdlog::info("{} embeddings of dimension {} in {:.1f} s ({:.0f} img/s): {} and {}", r.rows,
                                     r.dim, r.seconds, r.rows / std::max(r.seconds, 1e-9), r.embeddings.string(),
                                     r.ids.string());
                        if (!r.text_embeddings.empty())
                          spdlog::info("caption embeddings: {}", r.text_embeddings.string());
                        if (!r.unreadable.empty()) spdlog::warn("{} image(s) could not be read", r.unreadable.size());
                        return 0;
                      }});
}

}  // namespace roz::cli
