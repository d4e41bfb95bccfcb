// Embeds a file in the library being compiled (.incbin), so a plugin never looks for a data file at
// run time. ROZ_EMBED_FILE(name, "path") defines name_begin[] and name_end[] (hidden symbols); the
// path is a string literal, usually a definition set by CMake (add OBJECT_DEPENDS on the file).
#pragma once

#define ROZ_EMBED_FILE(symbol, path)               \
  __asm__(".pushsection .rodata." #symbol          \
          ", \"a\", @progbits\n"                   \
          ".balign 16\n"                           \
          ".hidden " #symbol                       \
          "_begin\n"                               \
          ".hidden " #symbol "_end\n" #symbol      \
          "_begin:\n"                              \
          ".incbin \"" path "\"\n" #symbol         \
          "_end:\n"                                \
          ".popsection\n");                        \
  extern "C" const unsigned char symbol##_begin[]; \
  extern "C" const unsigned char symbol##_end[]
