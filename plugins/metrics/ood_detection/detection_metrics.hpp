// Threshold-free and fixed-recall detection metrics of scores where in-distribution samples are the
// positives (higher score = more in-distribution).
#pragma once

#include <vector>

namespace ood_detection {

// Area under the ROC curve = the Mann-Whitney statistic P(s_id > s_ood) + P(s_id = s_ood) / 2: ties
// count one half, as the trapezoidal ROC area of sklearn's roc_auc_score.
double auroc(const std::vector<double>& id, std::vector<double> ood);

// False positive rate at 95% true positive rate. The threshold t is the largest score with
// share(s_id >= t) >= 0.95, i.e. the k-th largest in-distribution score with k = ceil(0.95 n_id): the
// first point of sklearn's roc_curve (thresholds descending) with TPR >= 0.95, as OpenOOD picks it.
// FPR95 = share(s_ood >= t), the OOD samples still accepted when 95% of in-distribution ones are.
double fpr_at_95_tpr(std::vector<double> id, const std::vector<double>& ood);

// Area under the precision-recall curve of `positives` against `negatives` (higher score = more
// positive), as the average precision of sklearn's average_precision_score: the sum over the distinct
// scores t, descending, of (recall(t) - recall(previous t)) * precision(t), without interpolation.
// AUPR-In is aupr(id, ood); AUPR-Out is aupr(-ood, -id), the OOD samples the positives.
double aupr(const std::vector<double>& positives, const std::vector<double>& negatives);

}  // namespace ood_detection
