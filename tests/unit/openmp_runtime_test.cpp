// One OpenMP runtime in the process. The torch wheel ships its own libgomp.so.1 beside the system's,
// which FAISS (in roz_overlap) and OpenBLAS use: both must resolve to one loaded copy, since two
// runtimes each keep a thread pool that spins against the other's, and mixing them is undefined.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <fstream>
#include <set>
#include <string>


namespace roz {
namespace {

std::set<std::string> loaded_openmp_runtimes() {
  std::set<std::string> out;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = path.substr(path.rfind('/') + 1);
    for (const char* runtime : {"libgomp", "libiomp", "libomp"})
      if (file.rfind(runtime, 0) == 0) out.insert(path);
  }
  return out;
}

TEST(OpenMPRuntime, TorchFaissAndBlasShareOneLoadedCopy) {
  at::set_num_threads(2);
  at::Tensor a = at::rand({256, 256});
  at::Tensor product = at::mm(a, a);  // torch's intra-op pool (OpenMP) and BLAS
  at::parallel_for(0, 1024, 1, [](std::int64_t, std::int64_t) {});
  EXPECT_EQ(product.size(0), 256);

  const std::set<std::string> runtimes = loaded_openmp_runtimes();
  std::string listing;
  for (const auto& r : runtimes) listing += r + "\n";
  ASSERT_EQ(runtimes.size(), 1u) << "OpenMP runtimes mapped into the process:\n" << listing;

  // The OpenMP entry points the process resolves come from that one file.
  void* symbol = dlsym(RTLD_DEFAULT, "omp_get_max_threads");
  ASSERT_NE(symbol, nullptr);
  Dl_info info{};
  ASSERT_NE(dladdr(symbol, &info), 0);
  EXPECT_EQ(std::string(info.dli_fname).substr(std::string(info.dli_fname).rfind('/') + 1),
            runtimes.begin()->substr(runtimes.begin()->rfind('/') + 1));
}

}  // namespace
}  // namespace roz
