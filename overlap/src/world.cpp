#include "roz/overlap/world.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>

#include "roz/error.hpp"

namespace roz::overlap {

namespace {

// OpenMPI's launcher sets these; a plain `roz` never initialises MPI (a singleton MPI_Init would
// start OpenMPI's runtime for nothing).
bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

void check(int rc, const char* call) {
  if (rc != MPI_SUCCESS) throw Error(std::string("MPI: ") + call + " failed");
}

}  // namespace

World::World() {
  if (!launched_by_mpirun()) return;
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) check(MPI_Init(nullptr, nullptr), "MPI_Init");
  mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

World::~World() {
  if (mpi_) MPI_Finalize();
}

void World::broadcast(std::vector<float>& data, std::int64_t& rows, std::int64_t& cols) const {
  if (!mpi_) return;
  std::int64_t shape[2] = {rows, cols};
  check(MPI_Bcast(shape, 2, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  rows = shape[0];
  cols = shape[1];
  data.resize(static_cast<std::size_t>(rows * cols));
  // In chunks: MPI counts are ints.
  constexpr std::size_t kChunk = 1 << 28;
  for (std::size_t at = 0; at < data.size(); at += kChunk)
    check(
        MPI_Bcast(data.data() + at, static_cast<int>(std::min(kChunk, data.size() - at)), MPI_FLOAT, 0, MPI_COMM_WORLD),
        "MPI_Bcast");
}

Neighbours World::merge_on_root(const Neighbours& local) const {
  if (!mpi_ || size_ == 1) return local;
  const int values = static_cast<int>(local.queries * local.k);
  std::vector<float> similarity(root() ? static_cast<std::size_t>(values) * static_cast<std::size_t>(size_) : 0);
  std::vector<std::int64_t> ids(similarity.size());
  check(MPI_Gather(local.similarity.data(), values, MPI_FLOAT, similarity.data(), values, MPI_FLOAT, 0, MPI_COMM_WORLD),
        "MPI_Gather");
  check(MPI_Gather(local.ids.data(), values, MPI_INT64_T, ids.data(), values, MPI_INT64_T, 0, MPI_COMM_WORLD),
        "MPI_Gather");
  if (!root()) return local;
  Neighbours merged;
  for (int r = 0; r < size_; ++r) {
    Neighbours part(local.queries, local.k);
    std::copy_n(similarity.begin() + r * values, values, part.similarity.begin());
    std::copy_n(ids.begin() + r * values, values, part.ids.begin());
    merged = merge_neighbours(merged, part);
  }
  return merged;
}

std::string World::first_error(const std::string& local) const {
  if (!mpi_ || size_ == 1) return local;
  int length = static_cast<int>(local.size());
  std::vector<int> lengths(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  std::vector<int> offsets(static_cast<std::size_t>(size_), 0);
  int total = 0;
  for (int r = 0; r < size_; ++r) {
    offsets[static_cast<std::size_t>(r)] = total;
    total += lengths[static_cast<std::size_t>(r)];
  }
  if (total == 0) return {};
  std::string all(static_cast<std::size_t>(total), '\0');
  check(MPI_Allgatherv(local.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                       MPI_COMM_WORLD),
        "MPI_Allgatherv");
  for (int r = 0; r < size_; ++r)
    if (lengths[static_cast<std::size_t>(r)] > 0)
      return "rank " + std::to_string(r) + ": " +
             all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                        static_cast<std::size_t>(lengths[static_cast<std::size_t>(r)]));
  return {};
}

}  // namespace roz::overlap
