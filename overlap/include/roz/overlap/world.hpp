// The processes one overlap search runs on: an MPI job when roz was started by mpirun (OpenMPI),
// otherwise a world of one. The audit runs the same code in both; only these collectives differ.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "roz/overlap/neighbours.hpp"

namespace roz::overlap {

class World {
 public:
  // Initialises MPI when the environment says mpirun started this process; finalises it on destruction.
  World();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  // Rank 0's matrix (rows x cols) on every rank.
  void broadcast(std::vector<float>& data, std::int64_t& rows, std::int64_t& cols) const;
  // Every rank's answer merged on rank 0 (merge_neighbours); other ranks get theirs back unchanged.
  Neighbours merge_on_root(const Neighbours& local) const;
  // Collective error check: every rank passes its own error (empty: none) and gets the first one,
  // prefixed with its rank, so no rank waits forever on one that failed.
  std::string first_error(const std::string& local) const;

 private:
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

}  // namespace roz::overlap
