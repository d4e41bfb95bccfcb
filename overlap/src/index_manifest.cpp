#include "roz/overlap/index_manifest.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "roz/error.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

fs::path index_directory(const fs::path& index) {
  return fs::is_directory(index) ? index : index.parent_path();
}

IndexManifest read_manifest(const fs::path& index) {
  const fs::path file = fs::is_directory(index) ? index / kManifestFile : index;
  std::ifstream in(file);
  if (!in)
    throw DataError("overlap index '" + index.string() + "': no " + kManifestFile +
                    " (build it with roz overlap build)");
  IndexManifest m;
  std::string field;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    auto get = [&](const nlohmann::json& o, const char* key) -> const nlohmann::json& {
      field = key;
      return o.at(key);
    };
    if (get(j, "format") != "roz-overlap-index") throw DataError("not a RoZ overlap index manifest");
    m.factory = get(j, "factory").get<std::string>();
    m.metric = get(j, "metric").get<std::string>();
    m.dim = get(j, "dim").get<std::int64_t>();
    m.vectors = get(j, "vectors").get<std::int64_t>();
    m.train_vectors = get(j, "train_vectors").get<std::int64_t>();
    m.seed = get(j, "seed").get<std::uint64_t>();
    m.model = get(j, "model").get<std::string>();
    m.model_hash = get(j, "model_hash").get<std::string>();
    m.created_by = get(j, "created_by").get<std::string>();
    for (const nlohmann::json& s : get(j, "shards")) {
      IndexShard shard;
      shard.file = get(s, "file").get<std::string>();
      shard.vectors = get(s, "vectors").get<std::int64_t>();
      shard.first_id = get(s, "first_id").get<std::int64_t>();
      shard.embeddings = get(s, "embeddings").get<std::string>();
      shard.first_row = get(s, "first_row").get<std::int64_t>();
      shard.ids = get(s, "ids").get<std::string>();
      m.shards.push_back(std::move(shard));
    }
  } catch (const nlohmann::json::exception& e) {
    throw DataError("overlap index manifest '" + file.string() + "': field '" + field + "': " + e.what());
  } catch (const DataError& e) {
    throw DataError("overlap index manifest '" + file.string() + "': " + e.what());
  }
  std::int64_t next = 0;
  for (const IndexShard& s : m.shards) {
    if (s.first_id != next)
      throw DataError("overlap index manifest '" + file.string() + "': shard '" + s.file.string() + "' starts at id " +
                      std::to_string(s.first_id) + ", expected " + std::to_string(next));
    next += s.vectors;
  }
  if (next != m.vectors)
    throw DataError("overlap index manifest '" + file.string() + "': the shards hold " + std::to_string(next) +
                    " vectors, 'vectors' says " + std::to_string(m.vectors));
  return m;
}

void write_manifest(const IndexManifest& m, const fs::path& dir) {
  nlohmann::json shards = nlohmann::json::array();
  for (const IndexShard& s : m.shards)
    shards.push_back({{"file", s.file.string()},
                      {"vectors", s.vectors},
                      {"first_id", s.first_id},
                      {"embeddings", s.embeddings.string()},
                      {"first_row", s.first_row},
                      {"ids", s.ids.string()}});
  const nlohmann::json j{{"format", "roz-overlap-index"},
                         {"factory", m.factory},
                         {"metric", m.metric},
                         {"dim", m.dim},
                         {"vectors", m.vectors},
                         {"train_vectors", m.train_vectors},
                         {"seed", m.seed},
                         {"model", m.model},
                         {"model_hash", m.model_hash},
                         {"created_by", m.created_by},
                         {"shards", shards}};
  // Written last and atomically: a directory without a manifest is an unfinished build.
  const fs::path tmp = dir / (std::string(kManifestFile) + ".tmp");
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) throw DataError("cannot write '" + tmp.string() + "'");
  }
  fs::rename(tmp, dir / kManifestFile);
}

}  // namespace roz::overlap
