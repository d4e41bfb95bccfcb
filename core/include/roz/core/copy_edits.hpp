// The edits `roz overlap calibrate` makes its planted copies with: what an image goes through on its
// way into a pre-training set (re-posted, thumbnailed, cropped, re-exposed, straightened, captioned).
// One edit per copy, its kind uniform over six and its parameter uniform in its range:
//
//   kind         corruption spec (the built-in plugins apply it)
//   jpeg         jpeg_compression:quality=30..90
//   rescale      resize:scale=0.5..0.9       down with area averaging and back up: what a smaller copy keeps
//   crop         crop:fraction=0.894..1,position=random      at least 80% of the area, resized back
//   photometric  brightness:factor=0.8..1.2 | contrast:factor=0.8..1.2   (+-20%, either at random)
//   rotation     rotation:degrees=-5..5
//   text         typographic:text=WORD,copies=1               a short word written once
//
//   const roz::core::CopyEdit edit = roz::core::draw_copy_edit(roz::derive_seed(seed, "copy-edit", id));
//   cv::Mat copy = roz::core::apply_copy_edit(host, edit, image, id);
//
// Thread-safe (draw is a pure function; apply creates its own plugin instance).
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace roz::core {

class PluginHost;

struct CopyEdit {
  std::string kind;  // one of copy_edit_kinds()
  std::string spec;  // the corruption spec that makes it
  std::uint64_t seed = 0;
};

const std::vector<std::string>& copy_edit_kinds();

// Deterministic in `seed`.
CopyEdit draw_copy_edit(std::uint64_t seed);

// The edited copy of `rgb` (CV_8UC3), made by the edit's corruption plugin; `sample_id` names the
// image in errors.
cv::Mat apply_copy_edit(PluginHost& host, const CopyEdit& edit, const cv::Mat& rgb, const std::string& sample_id);

}  // namespace roz::core
