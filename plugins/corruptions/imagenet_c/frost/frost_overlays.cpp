// Embeds overlays/frost{1..6}.* (.incbin), so the plugin needs no data files at run time.
#include "frost_overlays.hpp"

#include <array>

#include "roz/embed_file.hpp"

ROZ_EMBED_FILE(roz_frost1, ROZ_FROST_DIR "/frost1.png");
ROZ_EMBED_FILE(roz_frost2, ROZ_FROST_DIR "/frost2.png");
ROZ_EMBED_FILE(roz_frost3, ROZ_FROST_DIR "/frost3.png");
ROZ_EMBED_FILE(roz_frost4, ROZ_FROST_DIR "/frost4.jpg");
ROZ_EMBED_FILE(roz_frost5, ROZ_FROST_DIR "/frost5.jpg");
ROZ_EMBED_FILE(roz_frost6, ROZ_FROST_DIR "/frost6.jpg");

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
