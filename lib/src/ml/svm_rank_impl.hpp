// rank_by_svm on a Generation directly (buildsvm holds one, not an IndexReader).
#pragma once

#include <asp/ml/svm_rank.hpp>

#include "ml/generation.hpp"

namespace asp::ml {

RankResult rank_by_svm(const Generation& g, const RankInputs& in, const RankParams& params);

// The SvmTask of these inputs over g: positives, not-interested rows as explicit negatives
// weighted to one positive's C (none that is also a positive).
SvmTask svm_task(const Generation& g, const RankInputs& in);

// The best `top` rows by score, leaving out the task's negatives and (unless list_positives)
// its positives.
std::vector<ScoredPaper> top_rows(const Generation& g, std::span<const float> scores, const SvmTask& task,
                                  size_t top, bool list_positives);

}  // namespace asp::ml
