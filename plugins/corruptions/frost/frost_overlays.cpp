// Embeds overlays/frost{1..6}.* (.incbin), so the plugin needs no data files at run time.
#include "frost_overlays.hpp"

#include <array>

#define ROZ_EMBED(symbol, file)                          \
  __asm__(".pushsection .rodata." #symbol ", \"a\", @progbits\n" \
          ".balign 16\n"                                 \
          ".hidden " #symbol "_begin\n"                  \
          ".hidden " #symbol "_end\n" #symbol "_begin:\n" \
          ".incbin \"" ROZ_FROST_DIR "/" file "\"\n" #symbol "_end:\n" \
          ".popsection\n");                              \
  extern "C" const unsigned char symbol##_begin[];       \
  extern "C" const unsigned char symbol##_end[];

ROZ_EMBED(roz_frost1, "frost1.png")
ROZ_EMBED(roz_frost2, "frost2.png")
ROZ_EMBED(roz_frost3, "frost3.png")
ROZ_EMBED(roz_frost4, "frost4.jpg")
ROZ_EMBED(roz_frost5, "frost5.jpg")
ROZ_EMBED(roz_frost6, "frost6.jpg")

namespace roz::frost {

std::span<const std::span<const unsigned char>> overlay_files() {
  static const std::array<std::span<const unsigned char>, 6> files = {{
      {roz_frost1_begin, roz_frost1_end},
      {roz_frost2_begin, roz_frost2_end},
      {roz_frost3_begin, roz_frost3_end},
      {roz_frost4_begin, roz_frost4_end},
      {roz_frost5_begin, roz_frost5_end},
      {roz_frost6_begin, roz_frost6_end},
  }};
  return files;
}

}  // namespace roz::frost
