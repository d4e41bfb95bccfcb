#include "roz/overlap/ids.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "roz/error.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

namespace {

// One CSV record starting at `line`; a quoted field may span lines, so more are read from `in`.
std::vector<std::string> csv_fields(std::string line, std::istream& in, bool& ok) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0;; ++i) {
    if (i == line.size()) {
      if (!quoted) break;
      std::string next;
      if (!std::getline(in, next)) {
        ok = false;
        break;
      }
      fields.back() += '\n';
      line = next;
      i = static_cast<std::size_t>(-1);
      continue;
    }
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

std::optional<std::int64_t> parse_label(const std::string& text) {
  if (text.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const std::int64_t value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string json_text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

std::vector<RowInfo> read_ids(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw DataError("ids file '" + file.string() + "': cannot open");
  std::vector<RowInfo> rows;
  std::string line;
  std::size_t line_number = 0;
  auto fail = [&](const std::string& what) -> void {
    throw DataError("ids file '" + file.string() + "', line " + std::to_string(line_number) + ": " + what);
  };
  if (file.extension() == ".csv") {
    std::vector<std::string> header;
    int id = -1, key = -1, source = -1, url = -1, caption = -1, label = -1, dataset = -1;
    while (std::getline(in, line)) {
      ++line_number;
      bool ok = true;
      std::vector<std::string> fields = csv_fields(line, in, ok);
      if (!ok) fail("unterminated quoted field");
      if (header.empty()) {
        header = fields;
        for (int i = 0; i < static_cast<int>(header.size()); ++i) {
          const std::string& name = header[static_cast<std::size_t>(i)];
          if (name == "id") id = i;
          if (name == "key") key = i;
          if (name == "source") source = i;
          if (name == "url") url = i;
          if (name == "caption") caption = i;
          if (name == "label") label = i;
          if (name == "dataset") dataset = i;
        }
        if (id < 0) id = key;
        if (id < 0) fail("the header has no 'id' or 'key' column");
        continue;
      }
      if (fields.size() != header.size())
        fail(std::to_string(fields.size()) + " fields, the header has " + std::to_string(header.size()));
      auto field = [&](int i) { return i < 0 ? std::string() : fields[static_cast<std::size_t>(i)]; };
      rows.push_back({field(id), source >= 0 ? field(source) : field(url), field(dataset), field(caption),
                      parse_label(field(label))});
    }
    return rows;
  }
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      fail(std::string("not JSON: ") + e.what());
    }
    if (!j.is_object()) fail("expected a JSON object");
    RowInfo r;
    r.id = json_text(j, "id");
    if (r.id.empty()) r.id = json_text(j, "key");
    if (r.id.empty()) fail("no 'id' or 'key'");
    if (j.contains("row") && j["row"] != static_cast<std::int64_t>(rows.size()))
      fail("row " + j["row"].dump() + " out of order (expected " + std::to_string(rows.size()) + ")");
    r.source = json_text(j, "source");
    if (r.source.empty()) r.source = json_text(j, "url");
    r.dataset = json_text(j, "dataset");
    r.caption = json_text(j, "caption");
    if (j.contains("label") && j["label"].is_number_integer()) r.label = j["label"].get<std::int64_t>();
    rows.push_back(std::move(r));
  }
  return rows;
}

fs::path find_ids_file(const fs::path& npy) {
  std::vector<fs::path> candidates;
  for (const char* extension : {".ids.jsonl", ".ids.csv"}) {
    fs::path p = npy;
    candidates.push_back(p.replace_extension(extension));
  }
  const std::string stem = npy.stem().string();
  if (npy.parent_path().filename() == "img_emb" && stem.rfind("img_emb_", 0) == 0) {
    const fs::path metadata = npy.parent_path().parent_path() / "metadata";
    const std::string number = stem.substr(8);
    for (const char* extension : {".jsonl", ".csv"})
      candidates.push_back(metadata / ("metadata_" + number + extension));
  }
  for (const fs::path& p : candidates)
    if (fs::exists(p)) return p;
  return {};
}

std::vector<RowInfo> read_ids_for(const fs::path& npy, std::int64_t rows) {
  const fs::path file = find_ids_file(npy);
  if (file.empty()) return {};
  std::vector<RowInfo> ids = read_ids(file);
  if (static_cast<std::int64_t>(ids.size()) != rows)
    throw DataError("ids file '" + file.string() + "' has " + std::to_string(ids.size()) + " rows, but '" +
                    npy.string() + "' has " + std::to_string(rows));
  return ids;
}

fs::path embedding_meta_path(const fs::path& npy) {
  fs::path p = npy;
  return p.replace_extension(".meta.json");
}

EmbeddingModel read_embedding_model(const fs::path& npy) {
  const fs::path file = embedding_meta_path(npy);
  std::ifstream in(file);
  if (!in) return {};
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    return {j.value("model", ""), j.value("model_hash", "")};
  } catch (const nlohmann::json::exception& e) {
    throw DataError("embeddings meta file '" + file.string() + "': " + e.what());
  }
}

}  // namespace roz::overlap
