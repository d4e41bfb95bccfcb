// The plugin spec parser (sdk/src/spec.cpp): a spec either parses or is a SpecError; what parses
// prints back (Spec::to_string) as text that parses to the same spec.
#include <cstdlib>
#include <string_view>

#include "fuzz_input.hpp"
#include "roz/error.hpp"
#include "roz/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string printed;
  try {
    printed = roz::parse_spec(text).to_string();
  } catch (const roz::Error&) {
    return 0;
  }
  if (roz::parse_spec(printed).to_string() != printed) std::abort();  // a round trip that changes the spec
  return 0;
}
