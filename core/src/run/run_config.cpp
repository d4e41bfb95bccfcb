#include "roz/core/run_config.hpp"

#include <algorithm>

#include "roz/protocol.hpp"
#include "run/config_reader.hpp"

namespace roz::core {

namespace {

const std::set<std::string> kRoles = {protocol::role::in_distribution, protocol::role::shift, protocol::role::ood};

// A corruption or attack entry: a spec, or a map whose `severities` and `limit` are the runner's.
std::vector<RunCondition> conditions(const ConfigReader& r, const YAML::Node& node, const std::string& key) {
  if (!node.IsSequence()) r.fail(key, "expected a list of specs");
  std::vector<RunCondition> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item = key + "[" + std::to_string(i) + "]";
    YAML::Node entry = YAML::Clone(node[i]);
    std::size_t limit = 0;
    std::vector<std::string> severities;
    if (entry.IsMap()) {
      if (entry["limit"]) limit = r.number<std::size_t>(entry["limit"], item + ".limit");
      if (entry["severities"]) severities = r.strings(entry["severities"], item + ".severities");
      entry.remove("limit");
      entry.remove("severities");
    }
    Spec spec = r.spec(entry, item);
    if (severities.empty()) {
      out.push_back({spec, limit});
      continue;
    }
    for (const std::string& s : severities) {
      Spec level = spec;
      level.params.emplace_back(protocol::parameter::severity, SpecValue{SpecValue::Kind::scalar, s, {}, {}});
      out.push_back({level, limit});
    }
  }
  return out;
}

RunDataset dataset(const ConfigReader& r, const YAML::Node& node, const std::string& key) {
  RunDataset d;
  if (node.IsScalar()) {
    d.name = node.Scalar();
    return d;
  }
  if (!node.IsMap() || !node["name"]) r.fail(key, "expected a dataset name or a map with 'name'");
  for (const auto& entry : node) {
    const std::string field = r.key_of(entry.first, key), path = key + "." + field;
    r.check_known(path, {key + ".name", key + ".role", key + ".per_class", key + ".limit", key + ".support_per_class",
                         key + ".in_distribution", key + ".corruption_input"});
    if (field == "name") d.name = r.scalar(entry.second, path);
    if (field == "role") d.role = r.scalar(entry.second, path);
    if (field == "per_class") d.per_class = r.number<std::size_t>(entry.second, path);
    if (field == "limit") d.limit = r.number<std::size_t>(entry.second, path);
    if (field == "support_per_class") d.support_per_class = r.number<std::size_t>(entry.second, path);
    if (field == "in_distribution") d.in_distribution = r.scalar(entry.second, path);
    if (field == "corruption_input") {
      d.corruption_input = r.scalar(entry.second, path);
      if (d.corruption_input != protocol::corruption_input::imagenet_c)
        r.fail(path, "'" + d.corruption_input + "' is not imagenet_c (leave it out to corrupt the model's input)");
    }
  }
  if (!kRoles.count(d.role)) r.fail(key + ".role", "'" + d.role + "' is not in_distribution, shift or ood");
  if (!d.in_distribution.empty() && d.role == protocol::role::in_distribution)
    r.fail(key + ".in_distribution",
           "names the in_distribution dataset an ood set is scored with or a shift is of; this one is one");
  if (d.support_per_class > 0 && d.role == protocol::role::ood)
    r.fail(key + ".support_per_class",
           "an ood dataset is scored with its in_distribution dataset's head, not with "
           "prototypes of its own images");
  return d;
}

// Each ood dataset's in_distribution dataset (whose head scores it) and each shift's (whose accuracy
// effective robustness compares it with): the one it names, else the run's only one. A shift in a run
// with several and naming none keeps none.
void resolve_in_distribution(const ConfigReader& r, std::vector<RunDataset>& datasets) {
  std::vector<std::string> candidates;
  for (const RunDataset& d : datasets)
    if (d.role == protocol::role::in_distribution) candidates.push_back(d.name);
  for (std::size_t i = 0; i < datasets.size(); ++i) {
    RunDataset& d = datasets[i];
    if (d.role == protocol::role::in_distribution) continue;
    const std::string key = "datasets[" + std::to_string(i) + "]";
    if (d.in_distribution.empty() && d.role == protocol::role::shift) {
      if (candidates.size() == 1) d.in_distribution = candidates.front();
    } else if (d.in_distribution.empty()) {
      if (candidates.size() != 1)
        r.fail(key + ".in_distribution",
               candidates.empty()
                   ? "an ood dataset is scored with the head of an in_distribution dataset, and the "
                     "run has none"
                   : "the run has several in_distribution datasets: say which one's head scores '" + d.name + "'");
      d.in_distribution = candidates.front();
    } else if (std::find(candidates.begin(), candidates.end(), d.in_distribution) == candidates.end()) {
      r.fail(key + ".in_distribution",
             "'" + d.in_distribution + "' is not the name of an in_distribution dataset of the run");
    }
  }
}

RunOverlap overlap_section(const ConfigReader& r, const YAML::Node& node) {
  if (!node.IsMap() || !node["index"]) r.fail("overlap", "expected a map with 'index' (a roz overlap build directory)");
  RunOverlap o;
  for (const auto& entry : node) {
    const std::string field = r.key_of(entry.first, "overlap"), path = "overlap." + field;
    r.check_known(path, {"overlap.index", "overlap.model", "overlap.k", "overlap.threshold", "overlap.verify_threshold",
                         "overlap.nprobe", "overlap.ef_search", "overlap.k_factor", "overlap.pairs"});
    if (field == "index") o.index = r.scalar(entry.second, path);
    if (field == "model") o.model = r.spec(entry.second, path);
    if (field == "k") o.k = r.number<std::int64_t>(entry.second, path);
    if (field == "threshold") o.threshold = r.number<double>(entry.second, path);
    if (field == "verify_threshold") o.verify_threshold = r.number<double>(entry.second, path);
    if (field == "nprobe") o.search.nprobe = r.number<int>(entry.second, path);
    if (field == "ef_search") o.search.ef_search = r.number<int>(entry.second, path);
    if (field == "k_factor") o.search.k_factor = r.number<int>(entry.second, path);
    if (field == "pairs") o.pairs = r.number<std::size_t>(entry.second, path);
  }
  if (o.k < 1) r.fail("overlap.k", "must be positive");
  for (const auto& [name, value] :
       {std::pair{"overlap.threshold", o.threshold}, {"overlap.verify_threshold", o.verify_threshold}})
    if (value && !(*value >= -1 && *value <= 1)) r.fail(name, "expected a similarity in [-1, 1]");
  return o;
}

}  // namespace

RunConfig parse_run_config(const std::string& yaml, const std::string& source) {
  ConfigReader r(source);
  const YAML::Node root = r.load(yaml);
  static const std::set<std::string> kKeys = {
      "models", "datasets",   "corruptions",          "attacks",    "metrics",   "templates",
      "seed",   "batch_size", "prompt_attack_points", "embeddings", "bootstrap", "overlap",
      "device", "precision"};
  RunConfig c;
  c.source = source;
  c.text = yaml;
  for (const auto& entry : root) {
    const std::string key = r.key_of(entry.first, "(top level)");
    const YAML::Node& node = entry.second;
    r.check_known(key, kKeys);
    if (key == "models") c.models = r.specs(node, key);
    if (key == "datasets") {
      if (!node.IsSequence()) r.fail(key, "expected a list of datasets");
      for (std::size_t i = 0; i < node.size(); ++i)
        c.datasets.push_back(dataset(r, node[i], key + "[" + std::to_string(i) + "]"));
    }
    if (key == "corruptions") c.corruptions = conditions(r, node, key);
    if (key == "attacks") c.attacks = conditions(r, node, key);
    if (key == "metrics") c.metrics = r.specs(node, key);
    if (key == "templates") c.templates = r.strings(node, key);
    if (key == "seed") c.seed = r.number<std::uint64_t>(node, key);
    if (key == "batch_size") c.batch_size = r.number<std::int64_t>(node, key);
    if (key == "device") c.device = r.scalar(node, key);  // checked where the run starts: reports read it anywhere
    if (key == "precision") {
      try {
        c.precision = parse_precision(r.scalar(node, key), "precision");
      } catch (const ParamError& e) {
        r.fail(key, e.what());
      }
    }
    if (key == "prompt_attack_points") c.prompt_attack_points = r.number<std::size_t>(node, key);
    if (key == "embeddings") c.embeddings = r.number<bool>(node, key);
    if (key == "bootstrap") c.bootstrap = r.number<int>(node, key);
    if (key == "overlap") c.overlap = overlap_section(r, node);
  }
  if (c.models.empty()) r.fail("models", "at least one model is needed");
  if (c.datasets.empty()) r.fail("datasets", "at least one dataset is needed");
  resolve_in_distribution(r, c.datasets);
  if (c.batch_size <= 0) r.fail("batch_size", "must be positive");
  if (c.bootstrap < 0) r.fail("bootstrap", "must be 0 (off) or a number of resamples");
  return c;
}

RunConfig load_run_config(const std::filesystem::path& path) {
  return parse_run_config(read_config_file(path), path.string());
}

}  // namespace roz::core
