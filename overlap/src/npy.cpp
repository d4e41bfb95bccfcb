#include "roz/overlap/npy.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <regex>

#include "roz/error.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[] = "\x93NUMPY";
// Version 1.0 header padded to a fixed size, so the row count can be rewritten in place.
constexpr size_t kHeaderSize = 128;

std::string header_text(std::int64_t rows, std::int64_t cols, bool float16) {
  std::string dict = std::string("{'descr': '") + (float16 ? "<f2" : "<f4") + "', 'fortran_order': False, 'shape': (" +
                     std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  std::string header(kMagic, 6);
  header += '\x01';
  header += '\x00';
  const size_t length = kHeaderSize - 10;
  header += static_cast<char>(length & 0xFF);
  header += static_cast<char>(length >> 8);
  dict.resize(length - 1, ' ');
  return header + dict + "\n";
}

std::uint16_t float_to_half(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const std::uint32_t sign = (bits >> 16) & 0x8000;
  const std::int32_t exponent = static_cast<std::int32_t>((bits >> 23) & 0xFF) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7FFFFF;
  if (((bits >> 23) & 0xFF) == 0xFF) return static_cast<std::uint16_t>(sign | 0x7C00 | (mantissa ? 0x200 : 0));
  if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7C00);  // overflow: infinity
  if (exponent <= 0) {                                                   // subnormal or zero
    if (exponent < -10) return static_cast<std::uint16_t>(sign);
    mantissa |= 0x800000;
    const int shift = 14 - exponent;
    std::uint32_t half = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1), midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) ++half;
    return static_cast<std::uint16_t>(sign | half);
  }
  std::uint32_t half = (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;  // may carry into the exponent: correct
  return static_cast<std::uint16_t>(sign | half);
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

NpyReader::NpyReader(const fs::path& path) : path_(path), in_(path, std::ios::binary) {
  auto fail = [&](const std::string& what) -> void { throw DataError("npy file '" + path.string() + "': " + what); };
  if (!in_) fail("cannot open");
  unsigned char prefix[12];
  in_.read(reinterpret_cast<char*>(prefix), 10);
  if (!in_ || std::memcmp(prefix, kMagic, 6) != 0) fail("not a .npy file (bad magic)");
  std::size_t header_length = prefix[8] | (static_cast<std::size_t>(prefix[9]) << 8);
  data_offset_ = 10;
  if (prefix[6] != 1) {  // versions 2 and 3: a 4-byte header length
    in_.read(reinterpret_cast<char*>(prefix + 10), 2);
    header_length |= (static_cast<std::size_t>(prefix[10]) << 16) | (static_cast<std::size_t>(prefix[11]) << 24);
    data_offset_ = 12;
  }
  // NumPy writes headers of a few hundred bytes; the 4-byte length of versions 2 and 3 must not size
  // an allocation from an arbitrary file.
  if (header_length > (1u << 20)) fail("header length " + std::to_string(header_length) + " bytes: not a .npy header");
  std::string header(header_length, '\0');
  in_.read(header.data(), static_cast<std::streamsize>(header_length));
  if (!in_) fail("truncated header");
  data_offset_ += header_length;
  std::smatch m;
  if (!std::regex_search(header, m, std::regex(R"('descr':\s*'([<|]f[24])')")))
    fail("only little-endian float32/float16 is supported");
  half_ = m[1].str().back() == '2';
  if (std::regex_search(header, std::regex(R"('fortran_order':\s*True)")))
    fail("Fortran-order arrays are not supported");
  if (!std::regex_search(header, m, std::regex(R"('shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*\))")))
    fail("expected a 2-D array");
  // The shape comes from the file: its product must not overflow before it is checked against the size.
  std::uint64_t dims[2], values = 0, bytes = 0;
  for (int i = 0; i < 2; ++i) {
    const std::string digits = m[i + 1].str();
    if (digits.size() > 19) fail("shape dimension " + digits.substr(0, 24) + (digits.size() > 24 ? "..." : "") + " is too large");
    dims[i] = std::stoull(digits);
  }
  if (__builtin_mul_overflow(dims[0], dims[1], &values) || __builtin_mul_overflow(values, half_ ? 2u : 4u, &bytes) ||
      bytes > std::numeric_limits<std::uint64_t>::max() - data_offset_)
    fail("shape " + std::to_string(dims[0]) + " x " + std::to_string(dims[1]) + " is too large");
  rows_ = static_cast<std::int64_t>(dims[0]);
  cols_ = static_cast<std::int64_t>(dims[1]);
  const std::uintmax_t expected = data_offset_ + bytes;
  if (fs::file_size(path) < expected)
    fail("truncated: header says " + std::to_string(rows_) + " x " + std::to_string(cols_) + " but the file has " +
         std::to_string(fs::file_size(path)) + " bytes, not " + std::to_string(expected));
}

void NpyReader::read(std::int64_t first, std::int64_t count, float* out) {
  if (first < 0 || count < 0 || first + count > rows_)
    throw DataError("npy file '" + path_.string() + "': rows " + std::to_string(first) + ".." +
                    std::to_string(first + count) + " outside its " + std::to_string(rows_));
  const std::size_t values = static_cast<std::size_t>(count * cols_);
  const std::size_t width = half_ ? 2 : 4;
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(data_offset_ + static_cast<std::size_t>(first * cols_) * width));
  if (half_) {
    halves_.resize(values);
    in_.read(reinterpret_cast<char*>(halves_.data()), static_cast<std::streamsize>(values * 2));
    for (std::size_t i = 0; i < values; ++i) out[i] = half_to_float(halves_[i]);
  } else {
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(values * 4));
  }
  if (!in_) throw DataError("npy file '" + path_.string() + "': read error at row " + std::to_string(first));
}

NpyMatrix read_npy(const fs::path& path) {
  NpyReader reader(path);
  NpyMatrix out;
  out.rows = reader.rows();
  out.cols = reader.cols();
  out.data.resize(static_cast<std::size_t>(out.rows * out.cols));
  reader.read(0, out.rows, out.data.data());
  return out;
}

NpyWriter::NpyWriter(const fs::path& path, std::int64_t cols, bool float16)
    : path_(path), out_(path, std::ios::binary), cols_(cols), float16_(float16) {
  if (!out_) throw DataError("npy file '" + path.string() + "': cannot create");
  out_ << header_text(0, cols, float16_);
}

NpyWriter::~NpyWriter() {
  if (!finished_) {
    out_.close();
    std::error_code ec;
    fs::remove(path_, ec);  // never leave a file whose header disagrees with its data
  }
}

void NpyWriter::append(const float* row_major, std::int64_t rows) {
  if (float16_) {
    halves_.resize(static_cast<std::size_t>(rows * cols_));
    for (std::size_t i = 0; i < halves_.size(); ++i) halves_[i] = float_to_half(row_major[i]);
    out_.write(reinterpret_cast<const char*>(halves_.data()), static_cast<std::streamsize>(halves_.size() * 2));
  } else {
    out_.write(reinterpret_cast<const char*>(row_major), static_cast<std::streamsize>(rows * cols_ * 4));
  }
  rows_ += rows;
}

void NpyWriter::finish() {
  out_.seekp(0);
  out_ << header_text(rows_, cols_, float16_);
  out_.close();
  if (!out_) throw DataError("npy file '" + path_.string() + "': write error");
  finished_ = true;
}

}  // namespace roz::overlap
