#include "roz/core/image_pipeline.hpp"

#include <ATen/ATen.h>

#include <exception>
#include <fstream>
#include <iterator>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "roz/error.hpp"

namespace roz::core {

namespace {

// libjpeg decodes a truncated JPEG into a grey-filled image with only a warning; a benchmark must
// not score that silently, so a JPEG has to end with its EOI marker (trailing padding allowed).
bool is_truncated_jpeg(const std::vector<unsigned char>& bytes) {
  if (bytes.size() < 2 || bytes[0] != 0xFF || bytes[1] != 0xD8) return false;
  size_t end = bytes.size();
  while (end > 2 && (bytes[end - 1] == 0x00 || bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) --end;
  return !(end >= 4 && bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9);
}

}  // namespace

cv::Mat decode_rgb(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("image '" + path.string() + "': cannot open");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError("image '" + path.string() + "': read error");
  if (is_truncated_jpeg(bytes)) throw DataError("image '" + path.string() + "': truncated JPEG (no end-of-image marker)");
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw DataError("image '" + path.string() + "': cannot decode (" + e.msg + ")");
  }
  if (bgr.empty()) throw DataError("image '" + path.string() + "': cannot decode (corrupt, truncated or not an image)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat resize_center_crop(const cv::Mat& rgb, int resolution) {
  cv::Mat resized = rgb;
  int shorter = std::min(rgb.cols, rgb.rows);
  if (shorter != resolution) {
    double scale = static_cast<double>(resolution) / shorter;
    cv::Size size(std::max(resolution, static_cast<int>(std::lround(rgb.cols * scale))),
                  std::max(resolution, static_cast<int>(std::lround(rgb.rows * scale))));
    cv::resize(rgb, resized, size, 0, 0, shorter > resolution ? cv::INTER_AREA : cv::INTER_CUBIC);
  }
  int x = (resized.cols - resolution) / 2;
  int y = (resized.rows - resolution) / 2;
  return resized(cv::Rect(x, y, resolution, resolution)).clone();
}

at::Tensor to_tensor(const std::vector<cv::Mat>& images) {
  if (images.empty()) throw Error("to_tensor: no images");
  const int h = images.front().rows, w = images.front().cols;
  at::Tensor out = at::empty({static_cast<std::int64_t>(images.size()), h, w, 3}, at::kByte);
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = images[i];
    if (m.type() != CV_8UC3 || m.rows != h || m.cols != w)
      throw DataError("to_tensor: image " + std::to_string(i) + " is not " + std::to_string(w) + "x" + std::to_string(h) +
                      " RGB uint8");
    cv::Mat dst(h, w, CV_8UC3, out[static_cast<std::int64_t>(i)].data_ptr<std::uint8_t>());
    m.copyTo(dst);
  }
  return out.permute({0, 3, 1, 2}).to(at::kFloat).div_(255.0).contiguous();
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  std::size_t workers = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads)));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < workers; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += workers) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!first_error) first_error = std::current_exception();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace roz::core
