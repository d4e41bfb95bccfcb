#include "roz/core/dataset_lookup.hpp"

#include "roz/classifier.hpp"
#include "roz/core/search_path.hpp"
#include "roz/datasets/dataset.hpp"

namespace roz::core {

PromptSet dataset_prompts(const datasets::Dataset& dataset, const std::vector<std::string>& templates) {
  return {dataset.class_names(), !templates.empty()             ? templates
                                 : !dataset.templates().empty() ? dataset.templates()
                                                                : std::vector<std::string>{"a photo of a {}."}};
}

std::vector<std::filesystem::path> dataset_manifest_dirs() {
  std::vector<std::filesystem::path> dirs = env_path_list("ROZ_DATASET_PATH");
  dirs.push_back(executable_dir() / ".." / "share" / "roz" / "datasets" / "manifests");
  dirs.emplace_back(ROZ_SOURCE_MANIFEST_DIR);  // running from a build tree
  return dirs;
}

}  // namespace roz::core
