#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/script.h>

#include <filesystem>

#include "roz/error.hpp"
#include "roz/hash.hpp"
#include "roz/model.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

std::string tiny_spec(const std::string& extra = "") {
  return std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32" + extra;
}

TEST(TorchScriptModel, NormalisesInsideSoInputsArePixels) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = host.create_model(parse_spec(tiny_spec()));
  at::Tensor x = test::load_cifar(1).tensor;
  at::Tensor ours = model->encode_image(x);

  // The same archive called directly on CLIP-normalised input gives the same embedding.
  torch::jit::Module raw = torch::jit::load(ROZ_TEST_TINY_MODEL);
  Preprocessing p;
  at::Tensor mean = at::tensor(std::vector<double>(p.mean.begin(), p.mean.end()), at::kFloat).view({1, 3, 1, 1});
  at::Tensor stdv = at::tensor(std::vector<double>(p.std.begin(), p.std.end()), at::kFloat).view({1, 3, 1, 1});
  at::Tensor direct = raw.run_method("encode_image", (x - mean) / stdv).toTensor();
  EXPECT_TRUE(at::allclose(ours, direct, 1e-5, 1e-6));
  EXPECT_EQ(model->embedding_dim(), 64);
  EXPECT_NEAR(model->logit_scale(), 100.0, 1e-3);  // exp of the archive's log scale
  EXPECT_EQ(model->content_hash(), sha256_file(ROZ_TEST_TINY_MODEL));
}

TEST(TorchScriptModel, GradientsReachTheInputPixels) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = host.create_model(parse_spec(tiny_spec()));
  at::Tensor x = test::load_cifar(1).tensor.clone().set_requires_grad(true);
  at::Tensor g = torch::autograd::grad({model->encode_image(x).sum()}, {x})[0];
  EXPECT_GT(g.abs().sum().item<double>(), 0.0);
}

TEST(TorchScriptModel, TextTowerRuns) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = host.create_model(parse_spec(tiny_spec()));
  at::Tensor tokens = at::tensor({49406, 320, 22697, 49407}, at::kLong).view({1, 4});
  EXPECT_EQ(model->encode_text(tokens).sizes(), (at::IntArrayRef{1, 64}));
}

TEST(TorchScriptModel, ClearErrors) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto model = host.create_model(parse_spec(tiny_spec()));
  try {
    model->encode_image(at::zeros({2, 3, 28, 28}));
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_NE(std::string(e.what()).find("model plugin 'torchscript': encode_image failed: torchscript: "
                                         "encode_image expects [N,3,32,32] images, got [2,3,28,28]"),
              std::string::npos)
        << e.what();
  }
  try {
    host.create_model(parse_spec("torchscript:path=/nonexistent/clip.pt"));
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/clip.pt"), std::string::npos) << e.what();
  }
  // An archive without encode_text is rejected at load, naming the file and the method.
  auto path = std::filesystem::temp_directory_path() / "roz_image_only.pt";
  torch::jit::Module m("ImageOnly");
  m.define("def encode_image(self, x):\n    return x.flatten(1)\n");
  m.save(path.string());
  try {
    host.create_model(parse_spec("torchscript:path=" + path.string()));
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + path.string() + "' has no method 'encode_text'"), std::string::npos)
        << e.what();
  }
  // An error raised inside TorchScript code reaches the user with its own message.
  auto checked = std::filesystem::temp_directory_path() / "roz_checked.pt";
  torch::jit::Module c("Checked");
  c.define("def encode_image(self, x):\n    return x.flatten(1)\n"
           "def encode_text(self, t):\n    assert t.size(1) == 5, 'need exactly five tokens'\n    return t.float()\n");
  c.save(checked.string());
  auto checked_model = host.create_model(parse_spec(
      "torchscript:resolution=2,context_length=5,mean=[0.5,0.5,0.5],std=[0.5,0.5,0.5],path=" + checked.string()));
  try {
    checked_model->encode_text(at::zeros({1, 3}, at::kLong));
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_NE(std::string(e.what()).find("encode_text failed: TorchScript: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("need exactly five tokens"), std::string::npos) << e.what();
  }
  std::filesystem::remove(checked);
  // A file that is not a TorchScript archive.
  try {
    host.create_model(parse_spec(std::string("torchscript:path=") + ROZ_TEST_CIFAR_DIR + "/cat/0000.jpg"));
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace roz
