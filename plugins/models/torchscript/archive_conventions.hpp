// What a TorchScript archive (a CLIP-style model or an image classifier) says about itself: its
// preprocessing, its text conventions or its label set.
//
//   torch::jit::ExtraFilesMap extra = conventions_request();
//   torch::jit::Module m = torch::jit::load(path, device, extra);
//   ArchiveConventions c = read_conventions(path, m, extra);   // c.resolution etc., each optional
//
// Two sources, the first that has a value wins: the `roz.json` extra file that tools/export_open_clip.py
// (and roz itself, when it saves a model) writes into the archive, then the attributes OpenAI's released
// archives carry (`input_resolution`, `context_length`: OpenAI's clip.load reads the same ones, and
// their normalisation is CLIP's). Stateless functions: thread-safe.
#pragma once

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace roz::torchscript {

// The extra file's name inside the archive (torch.jit.save(..., _extra_files={kConventionsFile: ...})).
inline constexpr const char* kConventionsFile = "roz.json";

struct ArchiveConventions {
  std::optional<std::int64_t> resolution;
  std::optional<std::int64_t> resize;  // shorter side before the centre crop (torchvision's Resize)
  std::optional<std::array<double, 3>> mean, std;
  std::optional<std::string> interpolation;  // "bicubic" or "bilinear" (roz::parse_interpolation)
  std::optional<std::int64_t> context_length;
  std::optional<std::string> tokenizer;  // "clip_bpe" is the only one roz tokenizes with
  std::optional<double> logit_scale;     // the scale itself (not its log)
  // An image classifier's label set (tools/export_classifier.py): forward(images) returns one logit per
  // name, in this order, and the archive needs no text tower. Absent: a CLIP-style dual encoder.
  std::optional<std::vector<std::string>> class_names;
  std::string source;  // where the values came from, for messages ("roz.json", "OpenAI attributes")
};

torch::jit::ExtraFilesMap conventions_request();

// Throws roz::DataError naming the archive and the field when roz.json is malformed.
ArchiveConventions read_conventions(const std::string& path, const torch::jit::Module& module,
                                    const torch::jit::ExtraFilesMap& extra);

// The roz.json text for `c` (fields without a value are left out).
std::string write_conventions(const ArchiveConventions& c);

}  // namespace roz::torchscript
