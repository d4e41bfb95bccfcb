#include "report/report_text.hpp"

#include <iomanip>
#include <sstream>

#include "roz/core/metric_display.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"

namespace roz::core {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string format_value(const StoredSummary& r, bool with_interval) {
  auto shown = [&](double v) { return format_metric_value(r.value.unit, v); };
  std::string text = shown(r.value.value);
  if (with_interval && r.boot_low) text += " [" + shown(*r.boot_low) + ", " + shown(*r.boot_high) + "]";
  return text;
}

std::string optional_number(const std::optional<double>& v) {
  return v ? format_number(*v) : "";
}

std::string percent(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? "" : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 2) + "%";
}

std::string label_space_note(const StoredCondition& c) {
  auto space = c.info.attributes.find(protocol::attribute::label_space);
  if (space == c.info.attributes.end()) return "";
  return "Out-of-distribution set, scored with the head of " + space->second + " (its " +
         std::to_string(c.info.num_classes) + " classes), so its confidences compare with " + space->second +
         "'s (ood_detection); its images belong to none of those classes, so it has no accuracy.";
}

std::string split_cell(const StoredSummary* r) {
  return r ? format_value(*r, false) : "";
}

std::string split_difference(const SplitValue& v) {
  if (!v.all || !v.clean) return "";
  StoredSummary diff = *v.clean;
  diff.value.value = v.clean->value.value - v.all->value.value;
  const std::string text = format_value(diff, false);
  return diff.value.value > 0 ? "+" + text : text;
}

std::string audit_text(const OverlapAudit& a, const OverlapCounts& c) {
  std::ostringstream out;
  out << a.samples << " images against " << a.index << " (" << a.factory << ", " << a.index_vectors
      << " vectors), embedded by " << a.model << "; k = " << a.k << ", " << a.search << ", " << a.ranks
      << " rank(s). Copies: " << c.verified << " verified on the pixels (" << percent(c.verified, a.samples) << "), "
      << c.embedding
      << (a.decision.verification ? " by the embedding alone, their pre-training image not readable ("
                                  : " by the embedding stage (")
      << percent(c.embedding, a.samples) << ").";
  if (a.decision.embedding)
    out << " Candidates (nearest " << a.decision.normalisation.score_name() << " >= " << fixed(*a.decision.embedding, 4)
        << "): " << c.candidates
        << (a.decision.verification ? ", of which verification rejected " + std::to_string(c.rejected) : std::string())
        << ".";
  out << " Verification: "
      << (a.decision.verification
              ? "aligned grey correlation (copy_similarity) >= " + fixed(*a.decision.verification, 4)
              : std::string(a.calibration && a.calibration->verification.threshold
                                ? "not used: at the calibration the embedding stage found more copies at the "
                                  "target precision, so it decides"
                                : "none, the embedding stage decides"))
      << "; thresholds " << a.decision.basis << ".";
  if (a.calibration) {
    const StageCalibration& deciding = a.decision.verification ? a.calibration->verification : a.calibration->embedding;
    if (deciding.threshold)
      out << " At the calibration: precision " << fixed(deciding.precision, 4) << ", recall "
          << fixed(deciding.recall, 4) << " of the planted copies.";
  }
  if (a.calibration && !a.calibration->verification_note.empty())
    out << " No verification was possible: " << a.calibration->verification_note << ".";
  if (a.unreadable_neighbours > 0) {
    out << " " << a.unreadable_neighbours << " pre-training image(s) could not be read and were not verified";
    for (std::size_t i = 0; i < a.unreadable_examples.size(); ++i)
      out << (i == 0 ? ": " : "; ") << a.unreadable_examples[i];
    out << ".";
  }
  return out.str();
}

}  // namespace roz::core
