// FAISS calls with RoZ's error convention: a FaissException becomes an Error naming what was being done.
#pragma once

#include <faiss/impl/FaissException.h>

#include <string>
#include <utility>

#include "roz/error.hpp"

namespace roz::overlap {

template <class F>
auto faiss_call(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return std::forward<F>(f)();
  } catch (const faiss::FaissException& e) {
    throw Error(what + ": FAISS: " + e.what());
  }
}

}  // namespace roz::overlap
