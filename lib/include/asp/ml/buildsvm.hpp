// buildsvm: per-user recommendations. For every user with a non-empty library, trains a linear
// SVM (asp/ml/linear_svm.hpp: the original's LinearSVC(C=0.1, class_weight='balanced',
// tol=1e-6, squared hinge, intercept)) with the user's saved papers as positives and every
// other indexed paper as negatives, over the tf-idf vectors of the current index generation,
// and writes the top `top` papers by decision value to recs/ (asp/ml/recs.hpp). Every
// non-empty tag of a user gets its own list the same way (positives = the tag's papers, which
// it leaves out; recs/tag-<user>-<tag>.bin), retrained when its inputs or the index changed.
// "Not interested" papers are weighted negatives of every model of their user and never listed
// (asp/ml/svm_rank.hpp).
//
// All users to train are trained together (asp/ml/linear_svm.hpp: train_linear_svms, one pass
// over the matrix per iteration for everyone), split into `jobs` groups that run in parallel.
// Each user's model (weights, bias) is kept in recs/model-<user id>.bin for the next run.
//
// Incremental runs: a user whose library_rev and the index generation are those of their
// existing file is skipped (`force` retrains). A user whose library did not change and whose
// model was trained on the same vocabulary, when the index grew by at most `retrain_growth`
// since: only the papers whose tf-idf row is newer than their list are scored with the kept
// model and enter the list where they rank (nothing above the list's last score: the list stays
// as it was); this costs a few dot products. Others with a kept model of the same vocabulary
// are retrained from it (warm start: a few passes). Files of users whose library became empty
// are removed.
//
// Failures: no index (run analyze first) or an unreachable user store throw; a user none of
// whose saved papers is in the index is counted as failed and logged, and the run goes on.
#pragma once

#include <cstddef>
#include <string>

#include <asp/core/data_dir.hpp>
#include <asp/core/log.hpp>
#include <asp/ml/linear_svm.hpp>

namespace asp::ml {

struct BuildSvmParams {
    LinearSvmParams svm;
    size_t top = 1000;
    bool force = false;          // retrain everyone from scratch (no carried lists, no warm start)
    double retrain_growth = 0.1;  // retrain a carried user once the index grew by this much
    int jobs = 1;
    std::string users_db;  // empty: users.db in the data directory; or a postgresql:// URL
};

struct BuildSvmReport {
    StageSummary summary;  // done = users trained, skipped = unchanged, failed = no indexed paper
    size_t removed = 0;    // stale files of users without a library
    size_t updated = 0;    // users whose list was carried over and updated without training
    size_t tags_done = 0, tags_skipped = 0, tags_failed = 0;  // per-tag lists
    uint64_t generation = 0;
};

BuildSvmReport run_buildsvm(const DataDir& data_dir, const BuildSvmParams& params);

}  // namespace asp::ml
