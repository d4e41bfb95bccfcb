// Shared test fixtures: the built-in plugins, CIFAR-10 sample images, and a real classifier (the
// tiny TorchScript model with class prototypes from support images).
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "roz/classifier.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/core/results.hpp"
#include "roz/core/zero_shot_head.hpp"

namespace roz::test {

const core::Registry& builtin_registry();

// An empty directory TEMP/NAME.PID, made afresh (the pid keeps parallel test processes apart).
std::filesystem::path fresh_dir(const std::string& name);

struct ImageBatch {
  std::vector<cv::Mat> images;  // uint8 RGB 32x32
  at::Tensor tensor;            // [N,3,32,32] in [0,1]
  at::Tensor labels;            // [N]
};

// Images [offset, offset + per_class) of every CIFAR-10 sample class, in class order.
ImageBatch load_cifar(std::size_t per_class, std::size_t offset = 0);

// The tiny TorchScript model with a prototype head from the first `support_per_class` images per class.
std::shared_ptr<core::ZeroShotClassifier> tiny_classifier(core::PluginHost& host, std::size_t support_per_class = 20);

// The embedded mini-CLIP, its prompt head over Fashion-MNIST's classes and templates, and the first
// `n` Fashion-MNIST test images: a trained zero-shot classifier on real data.
struct TrainedZeroShot {
  std::shared_ptr<Model> model;
  std::shared_ptr<Classifier> classifier;
  PromptSet prompts;
  at::Tensor images;  // [n,3,28,28] in [0,1], on the host's device
  at::Tensor labels;  // [n], on the host's device
};
TrainedZeroShot mini_clip_fashion_mnist(core::PluginHost& host, std::size_t n);

// The same on two hosts (another device, another precision), for agreement tests.
struct ZeroShotPair {
  ZeroShotPair(const std::string& device_a, core::Precision precision_a, const std::string& device_b,
               core::Precision precision_b, std::size_t n)
      : host_a(builtin_registry(), 0, 1, device_a, precision_a),
        host_b(builtin_registry(), 0, 1, device_b, precision_b),
        a(mini_clip_fashion_mnist(host_a, n)),
        b(mini_clip_fashion_mnist(host_b, n)) {}
  core::PluginHost host_a, host_b;
  TrainedZeroShot a, b;
};

double accuracy(Classifier& classifier, const at::Tensor& images, const at::Tensor& labels);

// The per-condition values (scope condition) of the i-th finished condition of a result model, by
// name; a test fails when it asks for a condition that did not finish.
std::map<std::string, double> condition_values(const core::Results& results, std::size_t i);
// Its top1 (a test failure, and -1, when there is none).
double top1(const core::Results& results, std::size_t i);

}  // namespace roz::test
