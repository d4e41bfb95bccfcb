#include "audit/neighbour_images.hpp"

#include <filesystem>

#include "roz/core/dataset_lookup.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"

namespace roz::core {

cv::Mat NeighbourImages::load(const overlap::RowInfo& row) {
  if (!row.dataset.empty()) {
    Opened& o = open(row.dataset);
    auto it = o.by_id.find(row.id);
    if (it == o.by_id.end())
      throw DataError("pre-training image '" + row.id + "': not in dataset '" + row.dataset + "' any more");
    return o.dataset->load(o.dataset->samples()[it->second]);
  }
  // Through the dataset readers' decoder: its format allow-list and caps hold here too.
  if (!row.source.empty() && std::filesystem::is_regular_file(row.source)) return datasets::decode_rgb(row.source);
  if (!row.source.empty() && row.source.find("://") == std::string::npos)
    throw DataError("pre-training image '" + row.id + "': no file '" + row.source + "'");
  return {};
}

NeighbourImages::Opened& NeighbourImages::open(const std::string& name) {
  auto it = opened_.find(name);
  if (it != opened_.end()) return it->second;
  Opened o;
  o.dataset = datasets::open_dataset(name, dataset_manifest_dirs());
  for (std::size_t i = 0; i < o.dataset->samples().size(); ++i) o.by_id[o.dataset->samples()[i].id] = i;
  return opened_.emplace(name, std::move(o)).first->second;
}

}  // namespace roz::core
