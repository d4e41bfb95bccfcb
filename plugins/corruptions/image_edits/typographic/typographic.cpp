// typographic: a typographic attack as a corruption. Writes a class name (a wrong class drawn by the
// sample's seed, or a fixed `text`) `copies` times at random non-overlapping positions, and records
// the written label so metrics can report the attack success rate (prediction == written label).
// Defaults follow RoZ's ImageNet-T protocol for 224 px images: 8 copies, Hershey duplex, scale 0.8,
// white, thickness 1, and only single-word class names written (no space, no comma; as ImageNet-T
// and CIFAR-10-T; labels=all draws among every other class); an image where the copies cannot all
// be placed is skipped (and counted).
// Images smaller than `reference_size` are drawn on at that size (upscaled, then scaled back down),
// so copies and font scale stay relative to the image: the same text covers the same fraction of a
// 28 px digit as of a 224 px photo.
#include <opencv2/imgproc.hpp>

#include "image_edits_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// Hershey fonts draw ASCII only.
std::string printable(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += (c >= 32 && c < 127) ? static_cast<char>(c) : '?';
  return out;
}

bool overlaps(const cv::Rect& box, const std::vector<cv::Rect>& placed) {
  return std::any_of(placed.begin(), placed.end(), [&](const cv::Rect& p) { return (box & p).area() > 0; });
}

class Typographic final : public roz::Corruption {
 public:
  explicit Typographic(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    cv::RNG rng(in.seed);
    roz::CorruptionOutput out{in.image, {}, false};
    std::string text;
    if (params_.has("text")) {
      text = params_.get_string("text");
      // A class name as the text still counts as writing that class.
      auto named = std::find(in.class_names.begin(), in.class_names.end(), text);
      if (named != in.class_names.end()) out.metadata["written_label"] = std::to_string(named - in.class_names.begin());
    } else {
      // A class other than the true one, uniformly among those the protocol writes.
      const bool single_word = params_.get_string("labels") == "single_word";
      std::vector<std::size_t> candidates;
      for (std::size_t c = 0; c < in.class_names.size(); ++c)
        if (static_cast<std::int64_t>(c) != in.label &&
            (!single_word || in.class_names[c].find_first_of(" ,") == std::string::npos))
          candidates.push_back(c);
      if (candidates.empty())
        throw roz::Error("typographic: sample '" + in.sample_id + "': no other " +
                         (single_word ? "single-word class name" : "class name") + " to write; give text=..." +
                         (single_word ? " or labels=all" : ""));
      const std::size_t written =
          candidates[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(candidates.size())))];
      text = in.class_names[written];
      out.metadata["written_label"] = std::to_string(written);
    }
    out.metadata["written_text"] = text;
    text = printable(text);

    const auto reference = static_cast<int>(params_.get_int("reference_size"));
    const int short_side = std::min(in.image.rows, in.image.cols);
    const double upscale = reference > 0 && short_side < reference ? static_cast<double>(reference) / short_side : 1.0;
    cv::Mat canvas;
    if (upscale > 1.0)
      cv::resize(in.image, canvas, cv::Size(), upscale, upscale, cv::INTER_CUBIC);
    else
      canvas = in.image.clone();

    const int font = cv::FONT_HERSHEY_DUPLEX, thickness = static_cast<int>(params_.get_int("thickness"));
    const double scale = params_.get_real("font_scale");
    int baseline = 0;
    const cv::Size size = cv::getTextSize(text, font, scale, thickness, &baseline);
    const cv::Size box(size.width, size.height + baseline + thickness);
    const auto copies = static_cast<int>(params_.get_int("copies"));
    std::vector<cv::Rect> placed;
    for (int attempt = 0; static_cast<int>(placed.size()) < copies && attempt < 100 * copies; ++attempt) {
      if (box.width > canvas.cols || box.height > canvas.rows) break;
      const cv::Rect candidate(rng.uniform(0, canvas.cols - box.width + 1),
                               rng.uniform(0, canvas.rows - box.height + 1), box.width, box.height);
      if (!overlaps(candidate, placed)) placed.push_back(candidate);
    }
    if (static_cast<int>(placed.size()) < copies) {
      out.skipped = true;
      out.metadata["skip_reason"] =
          "only " + std::to_string(placed.size()) + " of " + std::to_string(copies) + " copies fit";
      return out;
    }
    const cv::Scalar colour = params_.get_string("color") == "black" ? cv::Scalar(0, 0, 0) : cv::Scalar(255, 255, 255);
    for (const cv::Rect& r : placed)
      cv::putText(canvas, text, cv::Point(r.x, r.y + size.height), font, scale, colour, thickness);
    if (upscale > 1.0) {
      cv::Mat small;  // a fresh matrix: out.image still shares the caller's pixels
      cv::resize(canvas, small, in.image.size(), 0, 0, cv::INTER_AREA);
      canvas = small;
    }
    out.image = canvas;
    return out;
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_typographic() {
  return roz::imagenet_c::corruption_descriptor<Typographic>(
      "typographic", "typographic attack: a wrong class name (or given text) written several times on the image",
      {roz::param::optional(roz::param::string("text", "", "text to write instead of a wrong class name")),
       roz::param::choice("labels", "single_word", {"single_word", "all"},
                          "wrong classes written: single-word names only (ImageNet-T) or all"),
       roz::param::integer("copies", 8, 1, 100, "copies written at random non-overlapping positions"),
       roz::param::real("font_scale", 0.8, 0.05, 20, "Hershey duplex font scale (at reference_size)"),
       roz::param::integer("thickness", 1, 1, 20, "stroke thickness in pixels (at reference_size)"),
       roz::param::choice("color", "white", {"white", "black"}, "text colour"),
       roz::param::integer("reference_size", 224, 0, 4096,
                           "smaller images are drawn on at this short side, then scaled back (0: never)")});
}
