// A test suite over a trained zero-shot classifier: the embedded mini-CLIP, Fashion-MNIST's prompt
// head and its first 64 test images, set up once per suite, with per-sample seeds kSeedBase + 1...
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz::test {

template <class Base, std::uint64_t kSeedBase>
class MiniClipSuite : public Base {
 protected:
  static void SetUpTestSuite() {
    host_ = std::make_unique<core::PluginHost>(builtin_registry(), 0, 1);
    TrainedZeroShot t = mini_clip_fashion_mnist(*host_, 64);
    model_ = t.model;
    classifier_ = t.classifier;
    prompts_ = t.prompts;
    images_ = t.images;
    labels_ = t.labels;
    for (std::uint64_t i = 1; i <= 64; ++i) seeds_.push_back(kSeedBase + i);
  }
  static void TearDownTestSuite() {
    classifier_.reset();
    model_.reset();
    host_.reset();
  }

  static inline std::unique_ptr<core::PluginHost> host_;
  static inline std::shared_ptr<Model> model_;
  static inline std::shared_ptr<Classifier> classifier_;
  static inline PromptSet prompts_;
  static inline at::Tensor images_, labels_;
  static inline std::vector<std::uint64_t> seeds_;
};

}  // namespace roz::test
