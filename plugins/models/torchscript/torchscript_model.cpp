// Any TorchScript module exposing encode_image(x) and encode_text(tokens) as a CLIP-style model, or an
// image classifier: forward(x) -> logits over the label set its roz.json names (class_names), with
// encode_image(x) -> features when it has one (tools/export_classifier.py exports torchvision and timm
// models so). Normalisation (mean/std) happens here, so attacks work on [0,1] pixels and gradients
// reach them.
#include <c10/core/GradMode.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include <cmath>

#include "archive_conventions.hpp"
#include "parameter_roles.hpp"
#include "roz/clip_tokenizer.hpp"
#include "roz/device.hpp"
#include "roz/hash.hpp"
#include "roz/model.hpp"
#include "roz/plugin.hpp"

namespace {

void visit_nodes(torch::jit::Block* block, const std::function<void(torch::jit::Node*)>& fn) {
  for (torch::jit::Node* node : block->nodes()) {
    fn(node);
    for (torch::jit::Block* inner : node->blocks()) visit_nodes(inner, fn);
  }
}

// OpenAI's released CLIP archives were traced on CUDA in float16: their code holds "cuda" device
// constants and casts to half (aten::to with a dtype constant 5). Like OpenAI's own loader
// (clip.load with jit=True), rewrite those constants before the first run. Returns the count.
int patch_traced_constants(torch::jit::Module& module, bool to_cpu, bool to_float) {
  using torch::jit::attr::value;
  int patched = 0;
  for (const torch::jit::Module& sub : module.modules()) {
    for (const torch::jit::Method& method : sub.get_methods()) {
      visit_nodes(method.graph()->block(), [&](torch::jit::Node* node) {
        if (to_cpu && node->kind() == c10::prim::Constant && node->hasAttribute(value) &&
            node->output()->type()->kind() == c10::TypeKind::DeviceObjType && node->s(value).rfind("cuda", 0) == 0) {
          node->s_(value, "cpu");
          ++patched;
        }
        if (to_float && node->kind() == c10::aten::to) {
          for (size_t i : {1u, 2u}) {
            if (i >= node->inputs().size()) continue;
            torch::jit::Node* constant = node->inputs()[i]->node();
            if (constant->kind() == c10::prim::Constant && constant->hasAttribute(value) &&
                constant->kindOf(value) == torch::jit::AttributeKind::i &&
                constant->i(value) == static_cast<std::int64_t>(at::kHalf)) {
              constant->i_(value, static_cast<std::int64_t>(at::kFloat));
              ++patched;
            }
          }
        }
      });
    }
  }
  return patched;
}

// TorchScript's reason, without what hides it: c10::Error's what() carries a C++ backtrace, and an
// error raised while running code starts with the interpreter's summary and ends with the real error.
std::string torch_reason(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  std::string msg = c10_error != nullptr ? c10_error->what_without_backtrace() : e.what();
  const std::string interpreter = "The following operation failed in the TorchScript interpreter.";
  if (msg.rfind(interpreter, 0) == 0) {
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return msg.substr(msg.find_last_of('\n') + 1);
  }
  const auto first = msg.find_first_not_of(" \n\t");
  if (first == std::string::npos) return "(no message)";
  msg.erase(0, first);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

std::string triple(const std::array<double, 3>& v) {
  std::ostringstream out;
  out.precision(8);
  out << "[" << v[0] << "," << v[1] << "," << v[2] << "]";
  return out.str();
}

class TorchScriptModel final : public roz::Model {
 public:
  TorchScriptModel(const roz::Params& params, const roz::PluginContext& context) : path_(params.get_string("path")) {
    if (path_.empty()) throw roz::ParamError("torchscript: 'path' to a TorchScript archive is required");
    const std::string& device = params.get_string("device");
    device_ = roz::parse_device(device.empty() ? context.device : device, "torchscript: device");
    dtype_ = params.get_string("dtype") == "float16" ? at::kHalf : at::kFloat;

    hash_ = roz::sha256_file(path_);  // also fails early, naming the file, when it is unreadable
    torch::jit::ExtraFilesMap extra = roz::torchscript::conventions_request();
    try {
      module_ = torch::jit::load(path_, device_, extra);
    } catch (const std::exception& e) {
      throw roz::DataError("torchscript: cannot load '" + path_ + "': " + torch_reason(e));
    }
    archive_ = roz::torchscript::read_conventions(path_, module_, extra);
    // A classifier's features are its encode_image when it has one, else its logits.
    image_method_ = classifier() && !module_.find_method("encode_image") ? "forward" : "encode_image";
    for (const char* method :
         classifier() ? std::vector<const char*>{"forward"} : std::vector<const char*>{"encode_image", "encode_text"})
      if (!module_.find_method(method))
        throw roz::DataError("torchscript: '" + path_ + "' has no method '" + std::string(method) + "'" +
                             (classifier() ? " (its " + std::string(roz::torchscript::kConventionsFile) +
                                                 " names class_names: an image classifier)"
                                           : ""));
    int patched = patch_traced_constants(module_, device_.is_cpu(), dtype_ == at::kFloat);
    if (patched > 0)
      context.log(roz::LogLevel::info, "torchscript: " + path_ + ": rewrote " + std::to_string(patched) +
                                           " traced device/dtype constants for " + device_.str());
    module_.eval();
    // Module::to(dtype) would also cast integer buffers (position ids, masks): cast floats only.
    for (at::Tensor t : module_.parameters())
      if (t.is_floating_point() && t.scalar_type() != dtype_) t.set_data(t.to(dtype_));
    for (at::Tensor t : module_.buffers())
      if (t.is_floating_point() && t.scalar_type() != dtype_) t.set_data(t.to(dtype_));
    for (at::Tensor p : module_.parameters()) p.set_requires_grad(false);

    if (archive_.tokenizer && *archive_.tokenizer != "clip_bpe")
      throw roz::DataError("torchscript: '" + path_ + "' tokenizes with '" + *archive_.tokenizer +
                           "'; this plugin tokenizes prompts with CLIP's BPE only (tokenizer 'clip_bpe')");
    resolve_conventions(params, context);
    context.log(roz::LogLevel::debug, "torchscript: loaded " + path_ + " (sha256 " + hash_ + ")");
  }

  roz::Preprocessing preprocessing() const override { return preprocessing_; }

  std::int64_t embedding_dim() const override {
    if (embedding_dim_ <= 0) {
      c10::NoGradGuard no_grad;
      std::int64_t r = preprocessing_.resolution;
      embedding_dim_ = const_cast<TorchScriptModel*>(this)->encode_image(torch::zeros({1, 3, r, r})).size(1);
    }
    return embedding_dim_;
  }

  at::Tensor encode_image(const at::Tensor& images) override {
    const std::int64_t r = preprocessing_.resolution;
    if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r)
      throw roz::DataError("torchscript: encode_image expects [N,3," + std::to_string(r) + "," + std::to_string(r) +
                           "] images, got " + shape(images));
    at::Tensor x = ((images.to(device_, at::kFloat) - mean_) / std_).to(dtype_);
    return module_.run_method(image_method_, x).toTensor().to(at::kFloat);
  }

  std::vector<std::string> class_names() const override {
    return archive_.class_names.value_or(std::vector<std::string>{});
  }

  at::Tensor classify(const at::Tensor& images) override {
    if (!classifier()) return roz::Model::classify(images);
    const std::int64_t r = preprocessing_.resolution;
    if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r)
      throw roz::DataError("torchscript: classify expects [N,3," + std::to_string(r) + "," + std::to_string(r) +
                           "] images, got " + shape(images));
    at::Tensor x = ((images.to(device_, at::kFloat) - mean_) / std_).to(dtype_);
    return module_.forward({x}).toTensor().to(at::kFloat);
  }

  at::Tensor tokenize(const std::vector<std::string>& texts) override {
    if (classifier()) return roz::Model::tokenize(texts);
    // CLIP's BPE, zero-padded to the context length (clip.tokenize with truncate=True).
    const auto n = static_cast<std::int64_t>(texts.size());
    at::Tensor tokens = torch::zeros({n, context_length_}, torch::kLong);
    auto acc = tokens.accessor<std::int64_t, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
      std::vector<std::int64_t> ids =
          roz::ClipTokenizer::instance().tokenize(texts[static_cast<size_t>(i)], static_cast<size_t>(context_length_));
      for (size_t j = 0; j < ids.size(); ++j) acc[i][static_cast<std::int64_t>(j)] = ids[j];
    }
    return tokens;
  }

  at::Tensor encode_text(const at::Tensor& tokens) override {
    if (classifier()) return roz::Model::encode_text(tokens);
    return module_.run_method("encode_text", tokens.to(device_)).toTensor().to(at::kFloat);
  }

  double logit_scale() const override { return classifier() ? roz::Model::logit_scale() : logit_scale_; }

  std::vector<roz::ModelParameter> trainable_parameters() override {
    std::vector<roz::ModelParameter> out;
    for (const auto& named : module_.named_parameters()) {
      roz::ModelParameter p{named.name, named.value};
      roz::torchscript::assign_role(p);
      out.push_back(std::move(p));
    }
    return out;
  }

  void set_training(bool training) override { module_.train(training); }

  // The archive keeps its conventions as resolved here, so the saved model loads with the same ones.
  void save(const std::string& path) const override {
    roz::torchscript::ArchiveConventions resolved = archive_;
    resolved.resolution = preprocessing_.resolution;
    resolved.mean = preprocessing_.mean;
    resolved.std = preprocessing_.std;
    resolved.resize = preprocessing_.resize > 0 ? std::optional<std::int64_t>(preprocessing_.resize) : std::nullopt;
    resolved.interpolation = std::string(roz::to_string(preprocessing_.interpolation));
    if (!classifier()) {
      resolved.context_length = context_length_;
      resolved.tokenizer = resolved.tokenizer.value_or("clip_bpe");
      resolved.logit_scale = logit_scale_;
    }
    module_.save(path, {{roz::torchscript::kConventionsFile, roz::torchscript::write_conventions(resolved)}});
  }

  void load(const std::string& path) override {
    // Same code, new weights: copy every parameter and buffer by name.
    torch::jit::Module saved = torch::jit::load(path, device_);
    std::map<std::string, at::Tensor> source;
    for (const auto& p : saved.named_parameters()) source.emplace(p.name, p.value);
    c10::NoGradGuard no_grad;
    for (const auto& p : module_.named_parameters()) {
      auto it = source.find(p.name);
      if (it == source.end()) throw roz::DataError("torchscript: '" + path + "' has no parameter '" + p.name + "'");
      p.value.copy_(it->second);
    }
    hash_ = roz::sha256_file(path);
  }

  std::string content_hash() const override { return hash_; }

 private:
  bool classifier() const { return archive_.class_names.has_value(); }

  static std::string shape(const at::Tensor& t) {
    std::string out = "[";
    for (int64_t i = 0; i < t.dim(); ++i) out += (i ? "," : "") + std::to_string(t.size(i));
    return out + "]";
  }

  // Each convention: an explicit parameter wins (with a warning when the archive says otherwise), then
  // the archive's own record; what neither gives is CLIP's, checked on the model where that is possible.
  void resolve_conventions(const roz::Params& params, const roz::PluginContext& context) {
    auto warn_if_differs = [&](const std::string& name, bool differs, const std::string& archived) {
      if (differs)
        context.log(roz::LogLevel::warn, "torchscript: " + path_ + ": " + name + " set explicitly, overriding " +
                                             archived + " from " + archive_.source);
    };
    // An integer parameter (0: not given) or else the archive's value; none when neither has one.
    auto given_or_archived = [&](const char* name,
                                 std::optional<std::int64_t> archived) -> std::optional<std::int64_t> {
      const std::int64_t given = params.get_int(name);
      if (given <= 0) return archived;
      warn_if_differs(name, archived && *archived != given, std::to_string(archived.value_or(0)));
      return given;
    };
    const auto& mean = params.get_reals("mean");
    const auto& std = params.get_reals("std");
    if (mean.empty() != std.empty())
      throw roz::ParamError("torchscript: set mean and std together (3 values each, RGB)");
    if (!mean.empty()) {
      if (mean.size() != 3 || std.size() != 3) throw roz::ParamError("torchscript: mean and std need 3 values (R,G,B)");
      for (std::size_t c = 0; c < 3; ++c) {
        if (std[c] <= 0) throw roz::ParamError("torchscript: std values must be positive");
        preprocessing_.mean[c] = mean[c];
        preprocessing_.std[c] = std[c];
      }
      warn_if_differs("mean/std",
                      archive_.mean && (*archive_.mean != preprocessing_.mean || *archive_.std != preprocessing_.std),
                      archive_.mean ? triple(*archive_.mean) + "/" + triple(*archive_.std) : "");
    } else if (archive_.mean && archive_.std) {
      preprocessing_.mean = *archive_.mean;
      preprocessing_.std = *archive_.std;
    } else {
      throw roz::ParamError("torchscript: '" + path_ +
                            "' does not record its input normalisation: set mean= and std= (CLIP's are mean=" +
                            triple(preprocessing_.mean) + ",std=" + triple(preprocessing_.std) +
                            "), or export it with tools/export_open_clip.py, which records them");
    }
    mean_ = torch::tensor(std::vector<double>(preprocessing_.mean.begin(), preprocessing_.mean.end()), torch::kFloat)
                .view({1, 3, 1, 1})
                .to(device_);
    std_ = torch::tensor(std::vector<double>(preprocessing_.std.begin(), preprocessing_.std.end()), torch::kFloat)
               .view({1, 3, 1, 1})
               .to(device_);

    if (auto resolution = given_or_archived("resolution", archive_.resolution))
      preprocessing_.resolution = *resolution;
    else
      probe_image_side();  // CLIP's 224, if the model takes it
    preprocessing_.resize = given_or_archived("resize", archive_.resize).value_or(0);
    const std::string interpolation = params.get_string("interpolation");
    if (!interpolation.empty()) {
      warn_if_differs("interpolation", archive_.interpolation && *archive_.interpolation != interpolation,
                      archive_.interpolation.value_or(""));
      preprocessing_.interpolation = *roz::parse_interpolation(interpolation);
    } else if (archive_.interpolation) {
      preprocessing_.interpolation = *roz::parse_interpolation(*archive_.interpolation);
    }

    if (classifier()) {
      check_label_set();
      return;  // no text tower: no logit scale or context length
    }
    std::optional<double> archived_scale = archive_.logit_scale;
    if (module_.hasattr("logit_scale") && module_.attr("logit_scale").isTensor())  // CLIP stores the log scale
      archived_scale = std::exp(module_.attr("logit_scale").toTensor().to(torch::kFloat).item<double>());
    const double scale = params.get_real("logit_scale");
    if (scale > 0) {
      warn_if_differs("logit_scale", archived_scale && std::abs(*archived_scale - scale) > 1e-3 * scale,
                      archived_scale ? std::to_string(*archived_scale) : "");
      logit_scale_ = scale;
    } else {
      logit_scale_ = archived_scale.value_or(100.0);
    }

    if (const std::int64_t dim = params.get_int("embedding_dim"); dim > 0) embedding_dim_ = dim;
    if (auto context_length = given_or_archived("context_length", archive_.context_length))
      context_length_ = *context_length;
    else
      probe_context_length();  // CLIP's 77, if the text tower takes it
  }

  // One blank image at CLIP's side: a model that wants another side fails here, with the parameter to
  // set, instead of deep inside the first batch ("mat1 and mat2 shapes cannot be multiplied").
  void probe_image_side() {
    c10::NoGradGuard no_grad;
    const std::int64_t r = preprocessing_.resolution;
    try {
      embedding_dim_ =
          module_.run_method(image_method_, torch::zeros({1, 3, r, r}, device_).to(dtype_)).toTensor().size(1);
    } catch (const std::exception& e) {
      throw roz::ParamError("torchscript: '" + path_ + "' records no input resolution and does not take " +
                            std::to_string(r) + "x" + std::to_string(r) +
                            " images: set resolution= (TorchScript: " + torch_reason(e) + ")");
    }
  }

  // One blank image through forward: one logit per class name, or the archive and its roz.json disagree.
  void check_label_set() {
    c10::NoGradGuard no_grad;
    const std::int64_t r = preprocessing_.resolution;
    at::Tensor logits;
    try {
      logits = module_.forward({torch::zeros({1, 3, r, r}, device_).to(dtype_)}).toTensor();
    } catch (const std::exception& e) {
      throw roz::DataError("torchscript: '" + path_ + "': forward fails on a blank " + std::to_string(r) + "x" +
                           std::to_string(r) + " image: " + torch_reason(e));
    }
    const auto classes = static_cast<std::int64_t>(archive_.class_names->size());
    if (logits.dim() != 2 || logits.size(0) != 1 || logits.size(1) != classes)
      throw roz::DataError("torchscript: '" + path_ + "': forward returns logits of shape " + shape(logits) +
                           ", but its " + roz::torchscript::kConventionsFile + " names " + std::to_string(classes) +
                           " class_names (expected [1," + std::to_string(classes) + "])");
  }

  void probe_context_length() {
    c10::NoGradGuard no_grad;
    try {
      module_.run_method("encode_text", tokenize({""}).to(device_));
    } catch (const std::exception& e) {
      throw roz::ParamError("torchscript: '" + path_ + "' records no context length and does not take " +
                            std::to_string(context_length_) +
                            " tokens: set context_length= (TorchScript: " + torch_reason(e) + ")");
    }
  }

  std::string path_;
  std::string hash_;
  roz::torchscript::ArchiveConventions archive_;
  std::string image_method_ = "encode_image";
  torch::jit::Module module_;
  at::Device device_ = at::kCPU;
  at::ScalarType dtype_ = at::kFloat;
  roz::Preprocessing preprocessing_;
  at::Tensor mean_, std_;
  double logit_scale_ = 100.0;
  mutable std::int64_t embedding_dim_ = 0;
  std::int64_t context_length_ = 77;
};

roz::PluginDescriptor describe() {
  return {
      .name = "torchscript",
      .kind = roz::PluginKind::model,
      .version = "0.1.0",
      .license = "Apache-2.0",
      .description =
          "TorchScript archive: a CLIP-style dual encoder (encode_image, encode_text) or an image "
          "classifier (forward -> logits over the class_names its roz.json records)",
      .params =
          {roz::param::required(roz::param::string("path", "", "TorchScript archive (.pt)")),
           roz::param::integer("resolution", 0, 0, 4096,
                               "input side after resize + center crop; 0: the archive's (224 when it records none)"),
           roz::param::integer("resize", 0, 0, 8192,
                               "shorter side before the centre crop; 0: the archive's (else resolution, as CLIP)"),
           roz::param::choice(
               "interpolation", "", {"", "bicubic", "bilinear"},
               "resize filter (PIL's, antialiased); empty: the archive's (bicubic when it records none)"),
           roz::param::real_list("mean", {}, "per-channel mean (RGB, [0,1] units); empty: the archive's"),
           roz::param::real_list("std", {}, "per-channel std (RGB, [0,1] units); empty: the archive's"),
           roz::param::string("device", "", "cpu, cuda or cuda:N; empty: the run's --device"),
           roz::param::choice("dtype", "float32", {"float32", "float16"}, "weights and activations type"),
           roz::param::real("logit_scale", 0.0, 0.0, 1e6,
                            "dual encoders; 0: the archive's (exp of its logit_scale attribute; 100 when it has none)"),
           roz::param::integer("embedding_dim", 0, 0, 1 << 20, "0: found by encoding one blank image"),
           roz::param::integer("context_length", 0, 0, 4096,
                               "text tokens per prompt; 0: the archive's (CLIP's 77 when it records none)")},
      .capabilities = 0,
      .create = roz::factory<TorchScriptModel>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)
