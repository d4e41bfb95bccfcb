#include "roz/overlap/npy.hpp"

#include <cstring>
#include <regex>

#include "roz/error.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
// Version 1.0 header padded to a fixed size, so the row count can be rewritten in place.
constexpr size_t kHeaderSize = 128;

std::string header_text(std::int64_t rows, std::int64_t cols) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(cols) + "), }";
  std::string header(kMagic, 6);
  header += '\x01';
  header += '\x00';
  const size_t length = kHeaderSize - 10;
  header += static_cast<char>(length & 0xFF);
  header += static_cast<char>(length >> 8);
  dict.resize(length - 1, ' ');
  return header + dict + "\n";
}

float half_to_float(std::uint16_t h) {
  std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits = 0;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int shift = 0;
      while (!(mantissa & 0x400)) {
        mantissa <<= 1;
        ++shift;
      }
      mantissa &= 0x3FF;
      bits = sign | (static_cast<std::uint32_t>(127 - 15 - shift + 1) << 23) | (mantissa << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

NpyMatrix read_npy(const fs::path& path) {
  auto fail = [&](const std::string& what) -> void { throw DataError("npy file '" + path.string() + "': " + what); };
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open");
  char prefix[10];
  in.read(prefix, 10);
  if (!in || std::memcmp(prefix, kMagic, 6) != 0) fail("not a .npy file (bad magic)");
  size_t header_length = 0;
  if (prefix[6] == 1) {
    header_length = static_cast<unsigned char>(prefix[8]) | (static_cast<size_t>(static_cast<unsigned char>(prefix[9])) << 8);
  } else {
    char extra[2];
    in.read(extra, 2);
    header_length = static_cast<unsigned char>(prefix[8]) | (static_cast<size_t>(static_cast<unsigned char>(prefix[9])) << 8) |
                    (static_cast<size_t>(static_cast<unsigned char>(extra[0])) << 16) |
                    (static_cast<size_t>(static_cast<unsigned char>(extra[1])) << 24);
  }
  std::string header(header_length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_length));
  if (!in) fail("truncated header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr':\s*'([<|]f[24])')"))) fail("only little-endian float32/float16 is supported");
  const bool half = m[1].str().back() == '2';
  if (std::regex_search(header, std::regex(R"('fortran_order':\s*True)"))) fail("Fortran-order arrays are not supported");
  if (!std::regex_search(header, m, std::regex(R"('shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*\))"))) fail("expected a 2-D array");
  NpyMatrix out;
  out.rows = std::stoll(m[1].str());
  out.cols = std::stoll(m[2].str());
  const size_t count = static_cast<size_t>(out.rows * out.cols);
  out.data.resize(count);
  if (half) {
    std::vector<std::uint16_t> raw(count);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(count * 2));
    for (size_t i = 0; i < count && in; ++i) out.data[i] = half_to_float(raw[i]);
  } else {
    in.read(reinterpret_cast<char*>(out.data.data()), static_cast<std::streamsize>(count * 4));
  }
  if (!in) fail("truncated: header says " + std::to_string(out.rows) + " x " + std::to_string(out.cols));
  return out;
}

NpyWriter::NpyWriter(const fs::path& path, std::int64_t cols) : path_(path), out_(path, std::ios::binary), cols_(cols) {
  if (!out_) throw DataError("npy file '" + path.string() + "': cannot create");
  out_ << header_text(0, cols);
}

NpyWriter::~NpyWriter() {
  if (!finished_) {
    out_.close();
    std::error_code ec;
    fs::remove(path_, ec);  // never leave a file whose header disagrees with its data
  }
}

void NpyWriter::append(const float* row_major, std::int64_t rows) {
  out_.write(reinterpret_cast<const char*>(row_major), static_cast<std::streamsize>(rows * cols_ * 4));
  rows_ += rows;
}

void NpyWriter::finish() {
  out_.seekp(0);
  out_ << header_text(rows_, cols_);
  out_.close();
  if (!out_) throw DataError("npy file '" + path_.string() + "': write error");
  finished_ = true;
}

}  // namespace roz::overlap
