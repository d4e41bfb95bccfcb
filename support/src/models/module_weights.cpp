#include "roz/support/models/module_weights.hpp"

#include <torch/nn/module.h>
#include <torch/serialize/archive.h>

#include "roz/error.hpp"
#include "roz/hash.hpp"

namespace roz::support {

void save_module_weights(const torch::nn::Module& module, const std::string& architecture, const std::string& path) {
  torch::serialize::OutputArchive archive;
  module.save(archive);
  archive.write("config", c10::IValue(architecture));
  archive.save_to(path);
}

void load_module_weights(torch::nn::Module& module, const std::string& architecture, const std::string& path,
                         const std::string& plugin) {
  torch::serialize::InputArchive archive;
  archive.load_from(path, at::kCPU);  // saved from any device: mapped here, moved by the caller
  if (module_architecture(archive) != architecture)
    throw DataError(plugin + ": '" + path + "' holds another " + plugin + " architecture");
  module.load(archive);
}

std::string module_architecture(torch::serialize::InputArchive& archive) {
  c10::IValue config;
  if (!archive.try_read("config", config) || !config.isString()) return "";
  return config.toStringRef();
}

std::string module_weights_hash(const torch::nn::Module& module, const std::string& architecture) {
  std::string bytes = architecture;
  for (const auto& item : module.named_parameters()) {
    at::Tensor t = item.value().detach().to(at::kCPU, at::kFloat).contiguous();
    bytes += item.key();
    bytes.append(static_cast<const char*>(t.data_ptr()), static_cast<size_t>(t.numel()) * sizeof(float));
  }
  return roz::sha256_hex(bytes);
}

}  // namespace roz::support
