#include "archive_conventions.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <type_traits>

#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::torchscript {
namespace {

// An integer attribute of the root module, stored as a Python int or (OpenAI) a 0-d tensor.
std::optional<std::int64_t> int_attribute(const torch::jit::Module& module, const char* name) {
  if (!module.hasattr(name)) return std::nullopt;
  const c10::IValue value = module.attr(name);
  if (value.isInt()) return value.toInt();
  if (value.isTensor() && value.toTensor().numel() == 1) return value.toTensor().item<std::int64_t>();
  return std::nullopt;
}

}  // namespace

torch::jit::ExtraFilesMap conventions_request() {
  return {{kConventionsFile, ""}};
}

ArchiveConventions read_conventions(const std::string& path, const torch::jit::Module& module,
                                    const torch::jit::ExtraFilesMap& extra) {
  ArchiveConventions c;
  const auto file = extra.find(kConventionsFile);
  if (file != extra.end() && !file->second.empty()) {
    c.source = std::string(kConventionsFile) + " in the archive";
    const std::string where = "torchscript: '" + path + "': " + kConventionsFile;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(file->second);
    } catch (const nlohmann::json::exception& e) {
      throw DataError(where + " is not JSON: " + e.what());
    }
    if (!j.is_object()) throw DataError(where + " is not a JSON object");
    auto field = [&](const char* name, auto& out, auto check) {
      if (!j.contains(name) || j[name].is_null()) return;
      try {
        using T = typename std::decay_t<decltype(out)>::value_type;
        T value = j[name].get<T>();
        if (!check(value)) throw DataError("out of range");
        out = value;
      } catch (const std::exception& e) {
        throw DataError(where + ": field '" + name + "' is invalid (" + j[name].dump() + "): " + e.what());
      }
    };
    field("resolution", c.resolution, [](std::int64_t v) { return v > 0 && v <= 4096; });
    field("resize", c.resize, [](std::int64_t v) { return v > 0 && v <= 8192; });
    field("context_length", c.context_length, [](std::int64_t v) { return v > 1 && v <= 4096; });
    field("mean", c.mean, [](const std::array<double, 3>&) { return true; });
    field("std", c.std, [](const std::array<double, 3>& s) { return s[0] > 0 && s[1] > 0 && s[2] > 0; });
    field("interpolation", c.interpolation, [](const std::string& s) { return parse_interpolation(s).has_value(); });
    field("tokenizer", c.tokenizer, [](const std::string& s) { return !s.empty(); });
    field("logit_scale", c.logit_scale, [](double v) { return v > 0 && v < 1e6; });
    field("class_names", c.class_names, [](const std::vector<std::string>& names) {
      return !names.empty() && std::none_of(names.begin(), names.end(), [](const std::string& n) { return n.empty(); });
    });
    return c;
  }
  // OpenAI's released archives (torch.jit.trace of their CLIP): the attributes clip.load reads.
  c.resolution = int_attribute(module, "input_resolution");
  if (c.resolution) {
    c.source = "the archive's OpenAI CLIP attributes";
    c.context_length = int_attribute(module, "context_length");
    const Preprocessing clip;  // the SDK's defaults are CLIP's normalisation
    c.mean = clip.mean;
    c.std = clip.std;
    c.interpolation = "bicubic";
    c.tokenizer = "clip_bpe";
  }
  return c;
}

std::string write_conventions(const ArchiveConventions& c) {
  nlohmann::json j = nlohmann::json::object();
  j["format"] = "roz-torchscript/1";
  if (c.resolution) j["resolution"] = *c.resolution;
  if (c.mean) j["mean"] = *c.mean;
  if (c.std) j["std"] = *c.std;
  if (c.resize) j["resize"] = *c.resize;
  if (c.interpolation) j["interpolation"] = *c.interpolation;
  if (c.context_length) j["context_length"] = *c.context_length;
  if (c.tokenizer) j["tokenizer"] = *c.tokenizer;
  if (c.logit_scale) j["logit_scale"] = *c.logit_scale;
  if (c.class_names) j["class_names"] = *c.class_names;
  return j.dump(2);
}

}  // namespace roz::torchscript
