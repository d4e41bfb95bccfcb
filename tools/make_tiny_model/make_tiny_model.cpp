// Usage: roz_make_tiny_model OUT.pt [--seed N] [--features N] [--dim D]
// A tiny CLIP-format TorchScript archive: the image tower is a fixed random convolution + ReLU +
// pooling + projection (random features, so class prototypes separate real images well above
// chance); the text tower averages token embeddings. It exists so the demo and the tests run a
// real TorchScript model through the real pipeline without downloadable weights.
#include <torch/script.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: roz_make_tiny_model OUT.pt [--seed N] [--features N] [--dim D]\n";
    return 2;
  }
  std::string out = argv[1];
  std::int64_t seed = 0, features = 48, dim = 64;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    std::int64_t value = std::atoll(argv[i + 1]);
    if (flag == "--seed") seed = value;
    else if (flag == "--features") features = value;
    else if (flag == "--dim") dim = value;
    else {
      std::cerr << "roz_make_tiny_model: unknown option " << flag << "\n";
      return 2;
    }
  }
  torch::manual_seed(static_cast<std::uint64_t>(seed));
  const std::int64_t pooled = features * 4 * 4, vocab = 49408, width = 32;
  torch::jit::Module m("RozTinyClip");
  m.register_parameter("conv_w", torch::randn({features, 3, 5, 5}) / std::sqrt(75.0), false);
  m.register_parameter("conv_b", torch::randn({features}) * 0.1, false);
  m.register_parameter("proj", torch::randn({pooled, dim}) / std::sqrt(static_cast<double>(pooled)), false);
  m.register_parameter("token_embedding", torch::randn({vocab, width}) * 0.02, false);
  m.register_parameter("text_proj", torch::randn({width, dim}) / std::sqrt(static_cast<double>(width)), false);
  m.register_parameter("logit_scale", torch::full({}, std::log(100.0)), false);
  m.define(R"JIT(
def encode_image(self, x):
    h = torch.relu(torch.conv2d(x, self.conv_w, self.conv_b, [1, 1], [2, 2]))
    h = torch.adaptive_avg_pool2d(h, [4, 4]).flatten(1)
    return torch.matmul(h, self.proj)

def encode_text(self, tokens):
    e = torch.embedding(self.token_embedding, tokens).mean(1)
    return torch.matmul(e, self.text_proj)
)JIT");
  // Its conventions travel in the archive (as tools/export_open_clip.py writes them), so
  // `torchscript:path=OUT` is all a spec needs. The tower takes any side; 32 is the tests' CIFAR size.
  m.save(out, {{"roz.json", R"({"format": "roz-torchscript/1", "resolution": 32, "context_length": 77,
  "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
  "interpolation": "bicubic", "tokenizer": "clip_bpe"})"}});
  std::cout << "wrote " << out << "\n";
  return 0;
}
