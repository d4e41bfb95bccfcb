// roz tokenize [--json] TEXT...: CLIP token ids with start and end tokens, unpadded.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "roz/clip_tokenizer.hpp"

namespace roz::cli {

void add_tokenize_command(CLI::App& app, std::vector<Command>& commands) {
  auto texts = std::make_shared<std::vector<std::string>>();
  auto as_json = std::make_shared<bool>(false);
  auto context = std::make_shared<std::size_t>(ClipTokenizer::kContextLength);
  CLI::App* cmd = app.add_subcommand("tokenize", "CLIP BPE token ids of each text (start and end tokens included)");
  cmd->add_option("text", *texts, "texts to tokenize")->required();
  cmd->add_flag("--json", *as_json, "one JSON object per line: {\"text\": ..., \"ids\": [...]}");
  cmd->add_option("--context-length", *context, "truncate to this many ids, keeping the end token")
      ->check(CLI::Range(2, 1 << 20));
  commands.push_back({cmd, [texts, as_json, context] {
                        const ClipTokenizer& tokenizer = ClipTokenizer::instance();
                        for (const std::string& text : *texts) {
                          std::vector<std::int64_t> ids = tokenizer.tokenize(text, *context);
                          if (*as_json) {
                            std::cout << nlohmann::json{{"text", text}, {"ids", ids}}.dump() << "\n";
                          } else {
                            for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
                            std::cout << "\n";
                          }
                        }
                        return 0;
                      }});
}

}  // namespace roz::cli
