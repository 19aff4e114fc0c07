// IndexReader: read-only access to what `analyze` publishes under <data-dir>/index/, for serve
// and the debugging commands. This is the stable interface to the index; the files behind it
// are described in docs/formats/index.md.
//
// How to use it (serve):
//   auto index = asp::ml::IndexReader::open(data_dir.index_dir());  // maps the current generation
//   index->similar("2101.00001", 50);          // neighbours by cosine of tf-idf, best first
//   index->search("graph neural", 0, 20);       // a page of search hits + the total count
//   asp::ml::IndexReader::current_generation(dir) != index->generation()  -> open again (hot
//   reload); the old reader stays valid while anyone holds it (files are mapped, and analyze
//   keeps the previous generation on disk).
// Recommendations (buildsvm's output) are in asp/ml/recs.hpp.
//
// Thread safety: an IndexReader is immutable; share one shared_ptr among all request threads.
// Failures: open() throws std::runtime_error (no index yet: "no index in <dir>: run analyze";
// a damaged or newer-format file: its path and why). Queries never throw for unknown ids or
// empty queries: they return empty results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asp::ml {

class Generation;

struct ScoredPaper {
    std::string id;  // raw arXiv id, no version ("2101.00001", "cs/0112017")
    double score;    // similar: cosine in (0, 1]; search: weight sum; recs: SVM margin
};

struct SearchPage {
    std::vector<ScoredPaper> papers;  // the requested slice, best first
    size_t total = 0;                 // how many papers matched in all
};

class IndexReader {
public:
    // Opens the generation named by index_dir/CURRENT.
    static std::shared_ptr<const IndexReader> open(const std::filesystem::path& index_dir);
    // The generation CURRENT names now (0 when there is no index): cheap (reads one tiny file),
    // poll it to notice a new analyze run.
    static uint64_t current_generation(const std::filesystem::path& index_dir);

    ~IndexReader();
    IndexReader(const IndexReader&) = delete;
    IndexReader& operator=(const IndexReader&) = delete;

    uint64_t generation() const;
    // Papers in the index (every paper of papers.db at the time analyze ran).
    size_t paper_count() const;
    bool contains(std::string_view paper_id) const;
    // The paper ids in the index, in ascending order.
    std::vector<std::string> paper_ids() const;
    // Up to k most similar papers (the paper itself excluded), best first; at most the K analyze
    // stored (default 50). Unknown id: empty. Accepts a versioned id ("2101.00001v2").
    std::vector<ScoredPaper> similar(std::string_view paper_id, size_t k) const;
    // Search as the original arxiv-sanity: each query word adds its weight in a paper (title,
    // author and category words 5, abstract words their idf, an arXiv id 100), plus a tiny
    // boost for recency (0.0001 x position in time). Query words are lowercased and stripped
    // of punctuation except '-' (an arXiv id or URL is recognised as such).
    SearchPage search(std::string_view query, size_t offset, size_t limit) const;
    // A paper's tf-idf row: its terms and their weights (in the vocabulary's order). Unknown
    // id: empty. Accepts a versioned id. (serve's /inspect.)
    std::vector<std::pair<std::string, double>> terms_of(std::string_view paper_id) const;
    std::vector<ScoredPaper> search(std::string_view query, size_t k) const;

    // The mapped generation (asp/ml/svm_rank.hpp trains on its tf-idf matrix).
    const Generation& generation_data() const { return *g_; }

private:
    explicit IndexReader(std::unique_ptr<Generation> g);
    std::unique_ptr<Generation> g_;
};

}  // namespace asp::ml
