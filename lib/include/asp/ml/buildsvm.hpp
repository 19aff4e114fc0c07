// buildsvm: per-user recommendations. For every user with a non-empty library, trains a linear
// SVM (asp/ml/linear_svm.hpp: the original's LinearSVC(C=0.1, class_weight='balanced',
// tol=1e-6, squared hinge, intercept)) with the user's saved papers as positives and every
// other indexed paper as negatives, over the tf-idf vectors of the current index generation,
// and writes the top `top` papers by decision value to recs/ (asp/ml/recs.hpp). Every
// non-empty tag of a user gets its own list the same way (positives = the tag's papers, which
// it leaves out). "Not interested" papers are weighted negatives of every model of their user
// and never listed (asp/ml/svm_rank.hpp).
//
// A user whose library_rev and the index generation are those of their existing file is
// skipped (`force` retrains); a tag whose inputs (model_key) and generation are unchanged too. Files of users whose library became empty are removed.
// Users are trained in parallel (`jobs`), each on one thread.
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
    bool force = false;
    int jobs = 1;
    std::string users_db;  // empty: users.db in the data directory; or a postgresql:// URL
};

struct BuildSvmReport {
    StageSummary summary;  // done = users trained, skipped = unchanged, failed = no indexed paper
    size_t removed = 0;    // stale files of users without a library (and of deleted tags)
    size_t tags_done = 0, tags_skipped = 0, tags_failed = 0;  // per-tag lists
    uint64_t generation = 0;
};

BuildSvmReport run_buildsvm(const DataDir& data_dir, const BuildSvmParams& params);

}  // namespace asp::ml
