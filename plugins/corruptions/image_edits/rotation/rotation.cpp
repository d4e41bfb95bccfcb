// rotation (editing perturbation): rotation about the image centre by `degrees` (counter-clockwise),
// or by an angle drawn uniformly from [-degrees, degrees] per sample with random=true; same size,
// bilinear, corners filled by `border`.
#include <opencv2/imgproc.hpp>

#include "image_edits_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class Rotation final : public roz::Corruption {
 public:
  explicit Rotation(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    double angle = params_.get_real("degrees");
    if (params_.get_bool("random")) {
      cv::RNG rng(in.seed);
      angle = rng.uniform(-angle, angle);
    }
    const cv::Point2f centre(static_cast<float>(in.image.cols - 1) / 2.0f,
                             static_cast<float>(in.image.rows - 1) / 2.0f);
    const std::string& border = params_.get_string("border");
    const int mode = border == "reflect"     ? cv::BORDER_REFLECT_101
                     : border == "replicate" ? cv::BORDER_REPLICATE
                                             : cv::BORDER_CONSTANT;
    cv::Mat out;
    cv::warpAffine(in.image, out, cv::getRotationMatrix2D(centre, angle, 1.0), in.image.size(), cv::INTER_LINEAR, mode,
                   cv::Scalar(0, 0, 0));
    return {out, {{"degrees", roz::format_number(angle)}}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_rotation() {
  return roz::imagenet_c::corruption_descriptor<Rotation>(
      "rotation", "rotation about the centre by a fixed or a random angle",
      {roz::param::real("degrees", 15, -360, 360, "angle, counter-clockwise (with random=true: the largest magnitude)"),
       roz::param::boolean("random", false, "draw the angle uniformly from [-degrees, degrees] per sample (seeded)"),
       roz::param::choice("border", "constant", {"constant", "reflect", "replicate"},
                          "what fills the corners: black, the mirrored image, or the edge pixels")});
}
