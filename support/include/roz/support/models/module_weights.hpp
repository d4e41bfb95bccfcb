// Weights of a model plugin written as a torch::nn::Module, in one archive with the architecture
// they belong to, and a content hash that follows the weights rather than the archive's bytes:
//
//   save_module_weights(*net_, config.to_string(), path);
//   load_module_weights(*net_, config.to_string(), path, "mini_clip");  // into an existing module
//   hash_ = module_weights_hash(*net_, config.to_string());
//
// Thread-safe for distinct modules; a module is read (saved, hashed) by one thread at a time.
#pragma once

#include <string>

namespace torch::nn {
class Module;
}
namespace torch::serialize {
class InputArchive;
}

namespace roz::support {

// The module's parameters and buffers and `architecture` (under the key "config") to `path`.
void save_module_weights(const torch::nn::Module& module, const std::string& architecture, const std::string& path);

// Loads `path` (mapped to the CPU) into `module`; DataError naming the plugin and the file when the
// file holds another architecture.
void load_module_weights(torch::nn::Module& module, const std::string& architecture, const std::string& path,
                         const std::string& plugin);

// The architecture an archive was saved with; empty when it has none (not a module_weights archive).
std::string module_architecture(torch::serialize::InputArchive& archive);

// SHA-256 of the architecture and every parameter's name and float32 bytes: equal weights hash
// equally, whatever archive (with its zip metadata) or device they came from.
std::string module_weights_hash(const torch::nn::Module& module, const std::string& architecture);

}  // namespace roz::support
