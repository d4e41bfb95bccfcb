// Where the host finds a dataset named on the command line or in a config, and the class prompts a
// dataset is classified with. Both are pure functions of their arguments and the environment.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace roz {
struct PromptSet;
}
namespace roz::datasets {
class Dataset;
}

namespace roz::core {

// The class prompts of a dataset: its class names with `templates`, else its own templates, else
// "a photo of a {}.".
PromptSet dataset_prompts(const datasets::Dataset& dataset, const std::vector<std::string>& templates);

// Where `--dataset NAME` looks for NAME.yaml: ROZ_DATASET_PATH, the install's manifests, the source tree's.
std::vector<std::filesystem::path> dataset_manifest_dirs();

}  // namespace roz::core
