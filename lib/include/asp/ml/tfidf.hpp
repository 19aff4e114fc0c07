// TfidfModel: vocabulary and idf of scikit-learn's TfidfVectorizer, fitted on a corpus and then
// used to transform documents into l2-normalized sparse tf-idf vectors.
//
// fit() keeps the max_features terms of highest corpus frequency (total count over all
// documents), as scikit-learn does; among terms tied at the cut-off it keeps the
// alphabetically first (scikit-learn's choice there depends on numpy's unstable sort, see
// docs/tools/analyze.md). Feature indices are the terms' rank in code-point order, as in
// scikit-learn's vocabulary_. idf = ln((1 + n) / (1 + df)) + 1 with smooth_idf (else
// ln(n / df) + 1); tf = 1 + ln(count) with sublinear_tf; then each row is scaled to unit l2 norm.
//
// Memory of fit: counting keys terms by a 64-bit hash (no strings), strings are kept only for
// the terms at or above the cut-off count; documents are read twice (fit can hand back every
// document's row, so analyze does not read them a third time). The count table holds at most
// `count_budget` terms: when it is full, the terms of lowest count are dropped (lossy
// counting; a count is then short by at most the sum of the thresholds used, D). Every term
// whose estimate is within D of the cut-off is recounted exactly in the second pass, so the
// vocabulary is still exact whenever the cut-off count exceeds D (always, in practice: the
// 5000th term of a corpus occurs hundreds of times); otherwise fit logs a warning.
// analyze fits on at most `max_train` documents (as the original's max_train = 5000).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <asp/ml/text_analyzer.hpp>

namespace asp::ml {

enum class Norm { L2, None };

struct TfidfParams {
    AnalyzerParams analyzer;
    size_t max_features = 5000;  // 0: keep every term
    size_t max_train = 5000;     // analyze fits on at most this many documents (0: all)
    size_t count_budget = 4000000;  // terms held while counting (not in the fingerprint)
    bool sublinear_tf = true;
    bool use_idf = true;
    bool smooth_idf = true;
    Norm norm = Norm::L2;

    // A stable text form of every parameter (stored with the index; a change forces a refit).
    std::string fingerprint() const;
};

// One sparse row: feature indices ascending, values.
struct SparseVector {
    std::vector<uint32_t> index;
    std::vector<float> value;
    void clear() {
        index.clear();
        value.clear();
    }
};

// Supplies document `i` of a corpus of `n`; called from several threads at once.
using DocumentSource = std::function<std::string(size_t i)>;

class TfidfModel {
public:
    TfidfModel(TfidfParams params, std::vector<std::string> terms, std::vector<double> idf);
    // The lookup table views the terms: moving keeps them in place, copying would not.
    TfidfModel(const TfidfModel&) = delete;
    TfidfModel& operator=(const TfidfModel&) = delete;
    TfidfModel(TfidfModel&&) = default;

    // When `rows` is given, it receives every document's tf-idf row under the fitted model
    // (identical to transform(), without reading the documents a third time).
    static TfidfModel fit(const TfidfParams& params, size_t n_docs, const DocumentSource& docs,
                          int jobs, std::vector<SparseVector>* rows = nullptr);

    const TfidfParams& params() const { return params_; }
    const std::vector<std::string>& terms() const { return terms_; }
    const std::vector<double>& idf() const { return idf_; }
    size_t size() const { return terms_.size(); }
    std::optional<uint32_t> index_of(std::string_view term) const;

    struct Scratch {
        TextAnalyzer::Scratch text;
        std::vector<uint32_t> hits;
        std::vector<std::pair<uint32_t, uint32_t>> counts;
    };
    // The tf-idf row of one document (values computed in double, stored as float).
    void transform(std::string_view doc, Scratch& scratch, SparseVector& out) const;

    // The row of a document from its (feature, count) pairs, ascending by feature.
    void weigh(const std::vector<std::pair<uint32_t, uint32_t>>& counts, SparseVector& out) const;

private:
    TfidfParams params_;
    TextAnalyzer analyzer_;
    std::vector<std::string> terms_;
    std::vector<double> idf_;
    std::unordered_map<std::string_view, uint32_t> lookup_;
};

}  // namespace asp::ml
