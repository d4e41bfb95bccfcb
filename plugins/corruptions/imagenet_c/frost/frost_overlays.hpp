// The six frost photographs of ImageNet-C, embedded in the plugin as their original file bytes.
#pragma once

#include <span>

namespace roz::frost {

// Encoded PNG/JPEG bytes of frost1.png ... frost6.jpg, in that order.
std::span<const std::span<const unsigned char>> overlay_files();

}  // namespace roz::frost
