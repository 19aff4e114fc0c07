// One recommendation model on demand: a linear SVM (asp/ml/linear_svm.hpp, the original's
// LinearSVC(C=0.1, class_weight='balanced')) over analyze's tf-idf vectors, positives = the
// given papers, negatives = every other indexed paper, and the papers ranked by its decision
// value. buildsvm trains every nightly list with it (the whole library, each tag); serve
// trains one when a reader asks and nothing fresher exists.
//
//   auto index = asp::ml::IndexReader::open(data_dir.index_dir());
//   asp::ml::RankInputs in{library_ids, not_interested_ids};
//   auto r = asp::ml::rank_by_svm(*index, in, {});   // r.papers: best first
//
// "Not interested" papers are explicit negatives weighted above the ordinary (unlabelled)
// negatives: each gets the C of one positive (row weight n_negatives / n_positives on top of
// the balanced class weight), so one such mark pushes back as hard as one saved paper pulls.
// Not-interested papers are never listed; positives only with `list_positives`.
//
// model_key(inputs) names a model's inputs (sorted positives and negatives, hashed): equal
// keys with the same index generation mean the same model, so a cached or nightly list can be
// reused without retraining.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <asp/ml/index_reader.hpp>
#include <asp/ml/linear_svm.hpp>

namespace asp::ml {

struct RankInputs {
    std::vector<std::string> positives;       // raw arXiv ids; those not in the index are ignored
    std::vector<std::string> not_interested;  // explicit negatives (also never listed)
};

// How the sampled negatives of a reduced problem (RankParams::sample_random) are weighted so
// that its loss estimates the full problem's.
enum class SampleWeights {
    // Every sampled negative stands for (negatives / sampled) papers: a uniform estimate.
    uniform,
    // The hard negatives stand for themselves, each random one for (the rest / random): an
    // unbiased (Horvitz-Thompson) estimate. The solver has one weight per class plus one for
    // listed negatives, so the positives (and explicit negatives) are listed several times.
    horvitz_thompson,
};

struct RankParams {
    LinearSvmParams svm;
    size_t top = 1000;
    bool list_positives = false;  // buildsvm's whole-library lists keep them (as they always did)
    // Start from this solution (e.g. the same tag's model before one paper was added): a
    // slightly changed problem converges in a few passes. Same index generation only.
    const LinearSvmModel* warm = nullptr;

    // A reduced problem for instant answers (serve): instead of every paper, the model learns
    // from the positives, the explicit negatives, up to `sample_hard` hard negatives (the
    // `hard_candidates` first, e.g. this model's previous ranking, then the positives' most
    // similar papers) and `sample_random` other papers drawn at random, weighted by
    // `sample_weights`; then every paper is scored. 0: every paper (buildsvm's lists). When the
    // sample would hold most of the index, every paper is used.
    size_t sample_random = 0;
    size_t sample_hard = 0;
    std::vector<std::string> hard_candidates;
    SampleWeights sample_weights = SampleWeights::horvitz_thompson;
};

struct RankResult {
    std::vector<ScoredPaper> papers;  // best first, at most `top`
    size_t positives_found = 0;       // positives in the index (0: no model, no papers)
    int iterations = 0;
    size_t trained_rows = 0;          // rows of the problem solved (listed copies included)
    std::shared_ptr<const LinearSvmModel> model;  // null when no model was trained
};

RankResult rank_by_svm(const IndexReader& index, const RankInputs& in, const RankParams& params);

// 16 hex digits naming the (sorted, de-duplicated) inputs.
std::string model_key(const RankInputs& in);

}  // namespace asp::ml
