// rank_by_svm on a Generation directly (buildsvm holds one, not an IndexReader).
#pragma once

#include <asp/ml/svm_rank.hpp>

#include "ml/generation.hpp"

namespace asp::ml {

RankResult rank_by_svm(const Generation& g, const RankInputs& in, const RankParams& params);

}  // namespace asp::ml
