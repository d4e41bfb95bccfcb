// FAISS calls with RoZ's error convention: a FaissException becomes an Error naming what was being done.
#pragma once

#include <faiss/IVFlib.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexRefine.h>
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

// The IVF part of an index, also under a re-ranking wrapper (RFlat), which FAISS 1.7.3's
// try_extract_index_ivf does not look through; nullptr for a non-IVF index.
inline const faiss::IndexIVF* find_ivf(const faiss::Index* index) {
  if (const auto* refine = dynamic_cast<const faiss::IndexRefine*>(index)) index = refine->base_index;
  return faiss::ivflib::try_extract_index_ivf(index);
}

}  // namespace roz::overlap
