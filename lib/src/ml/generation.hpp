// Generation: one published set of analyze's outputs (index/gen-NNNNNN/), mapped read-only.
// The file layouts are in docs/formats/index.md; the writer is in analyze.cpp. The public face
// is asp/ml/index_reader.hpp; analyze (incremental runs) and buildsvm (the tf-idf matrix) use
// this directly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ml/section_file.hpp"

namespace asp::ml {

inline constexpr uint32_t kDocsKind = fourcc("DOCS");
inline constexpr uint32_t kVocabKind = fourcc("VOCB");
inline constexpr uint32_t kTfidfKind = fourcc("TFID");
inline constexpr uint32_t kSimilarKind = fourcc("SIML");
inline constexpr uint32_t kSearchKind = fourcc("SRCH");

inline constexpr const char* kCurrentFile = "CURRENT";

std::string generation_dir_name(uint64_t generation);
// The generation CURRENT names, or nullopt when there is none (or it cannot be parsed).
std::optional<uint64_t> read_current_generation(const std::filesystem::path& index_dir);

// Source of a paper's document.
enum class DocSource : uint8_t { TitleAbstract = 0, FullText = 1 };

struct CsrView {
    std::span<const uint64_t> row_ptr;
    std::span<const uint32_t> col;
    std::span<const float> val;
    size_t rows() const { return row_ptr.empty() ? 0 : row_ptr.size() - 1; }
};

class Generation {
public:
    // Opens index_dir/gen-NNNNNN; throws std::runtime_error when a file is missing or damaged.
    Generation(const std::filesystem::path& index_dir, uint64_t generation);

    uint64_t generation() const { return generation_; }
    size_t size() const { return ids.size(); }
    // Index of a paper id (binary search: ids are sorted), or nullopt.
    std::optional<uint32_t> find(std::string_view id) const;

    // docs.bin
    StringTable ids;
    std::span<const uint32_t> version;
    std::span<const uint64_t> doc_fp;
    std::span<const uint64_t> meta_fp;
    std::span<const int64_t> time;
    std::span<const uint8_t> source;
    // The generation in which each paper's tf-idf row was last (re)computed; empty in
    // generations written before it existed (treat every row as of this generation).
    std::span<const uint64_t> row_gen;
    uint64_t row_generation(size_t i) const { return row_gen.empty() ? generation_ : row_gen[i]; }
    // vocab.bin
    StringTable terms;
    std::span<const double> idf;
    std::string_view params;
    uint64_t fit_docs = 0;
    // tfidf.bin
    CsrView matrix;
    // similar.bin
    std::span<const uint64_t> sim_ptr;
    std::span<const uint32_t> sim_doc;
    std::span<const float> sim_score;
    uint32_t top_k = 0;
    // search.bin
    StringTable search_terms;
    std::span<const uint64_t> post_ptr;
    std::span<const uint32_t> post_doc;
    std::span<const float> post_weight;
    std::span<const float> recency;

    // tfidf.bin itself (its path and section offsets: ml/streamed_rows.hpp reads it with pread).
    const SectionFile& tfidf_file() const { return *tfidf_; }

private:
    uint64_t generation_;
    std::unique_ptr<SectionFile> docs_, vocab_, tfidf_, similar_, search_;
};

}  // namespace asp::ml
