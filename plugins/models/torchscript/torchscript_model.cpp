// Any TorchScript module exposing encode_image(x) and encode_text(tokens) as a CLIP-style model.
// Normalisation (mean/std) happens here, so attacks work on [0,1] pixels and gradients reach them.
#include <torch/cuda.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/script.h>

#include <functional>
#include <map>

#include <cmath>

#include "parameter_roles.hpp"
#include "roz/clip_tokenizer.hpp"
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
            node->output()->type()->kind() == c10::TypeKind::DeviceObjType &&
            node->s(value).rfind("cuda", 0) == 0) {
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

class TorchScriptModel final : public roz::Model {
 public:
  TorchScriptModel(const roz::Params& params, const roz::PluginContext& context) : path_(params.get_string("path")) {
    if (path_.empty()) throw roz::ParamError("torchscript: 'path' to a TorchScript archive is required");
    const std::string& device = params.get_string("device");
    if (device == "cuda" && !torch::cuda::is_available())
      throw roz::Error("torchscript: device=cuda requested but LibTorch has no usable CUDA device");
    device_ = at::Device(device == "cuda" ? at::kCUDA : at::kCPU);
    dtype_ = params.get_string("dtype") == "float16" ? at::kHalf : at::kFloat;

    hash_ = roz::sha256_file(path_);  // also fails early, naming the file, when it is unreadable
    try {
      module_ = torch::jit::load(path_, device_);
    } catch (const std::exception& e) {
      std::string msg = e.what();
      throw roz::DataError("torchscript: cannot load '" + path_ + "': " + msg.substr(0, msg.find('\n')));
    }
    for (const char* method : {"encode_image", "encode_text"})
      if (!module_.find_method(method))
        throw roz::DataError("torchscript: '" + path_ + "' has no method '" + std::string(method) + "'");
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

    preprocessing_.resolution = params.get_int("resolution");
    const auto& mean = params.get_reals("mean");
    const auto& std = params.get_reals("std");
    if (mean.size() != 3 || std.size() != 3) throw roz::ParamError("torchscript: mean and std need 3 values (R,G,B)");
    for (int c = 0; c < 3; ++c) {
      if (std[static_cast<size_t>(c)] <= 0) throw roz::ParamError("torchscript: std values must be positive");
      preprocessing_.mean[static_cast<size_t>(c)] = mean[static_cast<size_t>(c)];
      preprocessing_.std[static_cast<size_t>(c)] = std[static_cast<size_t>(c)];
    }
    mean_ = torch::tensor(mean, torch::kFloat).view({1, 3, 1, 1}).to(device_);
    std_ = torch::tensor(std, torch::kFloat).view({1, 3, 1, 1}).to(device_);

    logit_scale_ = params.get_real("logit_scale");
    if (module_.hasattr("logit_scale")) {
      // CLIP stores the log of the scale as a parameter.
      logit_scale_ = std::exp(module_.attr("logit_scale").toTensor().to(torch::kFloat).item<double>());
    }
    embedding_dim_ = params.get_int("embedding_dim");
    context_length_ = params.get_int("context_length");
    context.log(roz::LogLevel::debug, "torchscript: loaded " + path_ + " (sha256 " + hash_ + ")");
  }

  roz::Preprocessing preprocessing() const override { return preprocessing_; }

  std::int64_t embedding_dim() const override {
    if (embedding_dim_ <= 0) {
      at::NoGradGuard no_grad;
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
    return module_.run_method("encode_image", x).toTensor().to(at::kFloat);
  }

  at::Tensor tokenize(const std::vector<std::string>& texts) override {
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
    return module_.run_method("encode_text", tokens.to(device_)).toTensor().to(at::kFloat);
  }

  double logit_scale() const override { return logit_scale_; }

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

  void save(const std::string& path) const override { module_.save(path); }

  void load(const std::string& path) override {
    // Same code, new weights: copy every parameter and buffer by name.
    torch::jit::Module saved = torch::jit::load(path, device_);
    std::map<std::string, at::Tensor> source;
    for (const auto& p : saved.named_parameters()) source.emplace(p.name, p.value);
    at::NoGradGuard no_grad;
    for (const auto& p : module_.named_parameters()) {
      auto it = source.find(p.name);
      if (it == source.end()) throw roz::DataError("torchscript: '" + path + "' has no parameter '" + p.name + "'");
      p.value.copy_(it->second);
    }
    hash_ = roz::sha256_file(path);
  }

  std::string content_hash() const override { return hash_; }

 private:
  static std::string shape(const at::Tensor& t) {
    std::string out = "[";
    for (int64_t i = 0; i < t.dim(); ++i) out += (i ? "," : "") + std::to_string(t.size(i));
    return out + "]";
  }

  std::string path_;
  std::string hash_;
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
  roz::Preprocessing clip;
  return {
      .name = "torchscript",
      .kind = roz::PluginKind::model,
      .version = "0.1.0",
      .license = "Apache-2.0",
      .description = "TorchScript archive exposing encode_image and encode_text (CLIP-style dual encoder)",
      .params =
          {roz::param::required(roz::param::string("path", "", "TorchScript archive (.pt)")),
           roz::param::integer("resolution", clip.resolution, 1, 4096, "input side after resize + center crop"),
           roz::param::real_list("mean", {clip.mean.begin(), clip.mean.end()}, "per-channel mean (RGB, [0,1] units)"),
           roz::param::real_list("std", {clip.std.begin(), clip.std.end()}, "per-channel std (RGB, [0,1] units)"),
           roz::param::choice("device", "cpu", {"cpu", "cuda"}, "where the model runs"),
           roz::param::choice("dtype", "float32", {"float32", "float16"}, "weights and activations type"),
           roz::param::real("logit_scale", 100.0, 0.0, 1e6,
                            "used when the archive has no logit_scale attribute (CLIP's stores log scale)"),
           roz::param::integer("embedding_dim", 0, 0, 1 << 20, "0: found by encoding one blank image"),
           roz::param::integer("context_length", 77, 2, 4096, "text tokens per prompt (CLIP: 77)")},
      .capabilities = 0,
      .create = roz::factory<TorchScriptModel>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)
