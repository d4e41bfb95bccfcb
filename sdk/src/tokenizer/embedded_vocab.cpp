// CLIP's merges file, embedded in the SDK library at build time (so plugins and installs never look
// for a data file), and gunzipped on first use.
#include <string>

#include "embedded_vocab.hpp"
#include "roz/embed_file.hpp"
#include "roz/gzip.hpp"

#ifndef ROZ_CLIP_BPE_GZ
#error "ROZ_CLIP_BPE_GZ (path of bpe_simple_vocab_16e6.txt.gz) is set by sdk/CMakeLists.txt"
#endif

ROZ_EMBED_FILE(roz_clip_bpe_gz, ROZ_CLIP_BPE_GZ);

namespace roz::tokenizer {

std::string embedded_merges() {
  return gunzip(roz_clip_bpe_gz_begin, static_cast<std::size_t>(roz_clip_bpe_gz_end - roz_clip_bpe_gz_begin),
                "CLIP tokenizer: the embedded merges file");
}

}  // namespace roz::tokenizer
