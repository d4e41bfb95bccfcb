// CLIP's merges file, embedded in the SDK library at build time (so plugins and installs never look
// for a data file), and gunzipped on first use.
#include <zlib.h>

#include <stdexcept>
#include <string>

#include "embedded_vocab.hpp"

#ifndef ROZ_CLIP_BPE_GZ
#error "ROZ_CLIP_BPE_GZ (path of bpe_simple_vocab_16e6.txt.gz) is set by sdk/CMakeLists.txt"
#endif

__asm__(".pushsection .rodata.roz_clip_bpe, \"a\", @progbits\n"
        ".balign 16\n"
        ".hidden roz_clip_bpe_gz_begin\n"
        ".hidden roz_clip_bpe_gz_end\n"
        "roz_clip_bpe_gz_begin:\n"
        ".incbin \"" ROZ_CLIP_BPE_GZ "\"\n"
        "roz_clip_bpe_gz_end:\n"
        ".popsection\n");

extern "C" const unsigned char roz_clip_bpe_gz_begin[];
extern "C" const unsigned char roz_clip_bpe_gz_end[];

namespace roz::tokenizer {

std::string embedded_merges() {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("CLIP tokenizer: zlib init failed");
  zs.next_in = const_cast<unsigned char*>(roz_clip_bpe_gz_begin);
  zs.avail_in = static_cast<uInt>(roz_clip_bpe_gz_end - roz_clip_bpe_gz_begin);
  std::string out;
  char buffer[1 << 16];
  int status = Z_OK;
  while (status == Z_OK) {
    zs.next_out = reinterpret_cast<unsigned char*>(buffer);
    zs.avail_out = sizeof buffer;
    status = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
  }
  inflateEnd(&zs);
  if (status != Z_STREAM_END) throw std::runtime_error("CLIP tokenizer: the embedded merges file is corrupt");
  return out;
}

}  // namespace roz::tokenizer
