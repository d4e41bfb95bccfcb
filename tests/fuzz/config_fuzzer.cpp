// The YAML config readers of roz run and roz eval (core/src/run/): a config either parses or is a
// SpecError naming the file and the key.
#include <string>

#include "fuzz_input.hpp"
#include "roz/core/eval_config.hpp"
#include "roz/core/run_config.hpp"
#include "roz/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    roz::core::parse_run_config(yaml, "fuzz.yaml");
  } catch (const roz::Error&) {
  }
  try {
    roz::core::parse_eval_config(yaml, "fuzz.yaml");
  } catch (const roz::Error&) {
  }
  return 0;
}
