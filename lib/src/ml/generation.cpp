#include "ml/generation.hpp"

#include <cstdio>
#include <fstream>

namespace asp::ml {

std::string generation_dir_name(uint64_t generation) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "gen-%06llu", static_cast<unsigned long long>(generation));
    return buf;
}

std::optional<uint64_t> read_current_generation(const std::filesystem::path& index_dir) {
    std::ifstream in(index_dir / kCurrentFile);
    std::string name;
    if (!(in >> name) || name.rfind("gen-", 0) != 0) return std::nullopt;
    try {
        size_t used = 0;
        const uint64_t g = std::stoull(name.substr(4), &used);
        if (used != name.size() - 4) return std::nullopt;
        return g;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

Generation::Generation(const std::filesystem::path& index_dir, uint64_t generation)
    : generation_(generation) {
    const auto dir = index_dir / generation_dir_name(generation);
    docs_ = std::make_unique<SectionFile>(dir / "docs.bin", kDocsKind);
    vocab_ = std::make_unique<SectionFile>(dir / "vocab.bin", kVocabKind);
    tfidf_ = std::make_unique<SectionFile>(dir / "tfidf.bin", kTfidfKind);
    similar_ = std::make_unique<SectionFile>(dir / "similar.bin", kSimilarKind);
    search_ = std::make_unique<SectionFile>(dir / "search.bin", kSearchKind);

    ids = StringTable(*docs_, "ids");
    const size_t n = ids.size();
    version = docs_->array<uint32_t>("version");
    doc_fp = docs_->array<uint64_t>("doc_fp");
    meta_fp = docs_->array<uint64_t>("meta_fp");
    time = docs_->array<int64_t>("time");
    source = docs_->array<uint8_t>("source");
    if (version.size() != n || doc_fp.size() != n || meta_fp.size() != n || time.size() != n ||
        source.size() != n)
        docs_->bad("per-paper arrays differ in length");
    // Optional (older generations lack it): the generation each row was last computed in.
    if (docs_->has("row_gen")) {
        row_gen = docs_->array<uint64_t>("row_gen");
        if (row_gen.size() != n) docs_->bad("row_gen has a bad length");
    }

    terms = StringTable(*vocab_, "terms");
    idf = vocab_->array<double>("idf");
    params = vocab_->text("params");
    auto fit = vocab_->array<uint64_t>("fit_docs");
    if (idf.size() != terms.size() || fit.size() != 1) vocab_->bad("bad vocabulary");
    fit_docs = fit[0];

    matrix.row_ptr = tfidf_->array<uint64_t>("row_ptr");
    matrix.col = tfidf_->array<uint32_t>("col");
    matrix.val = tfidf_->array<float>("val");
    if (matrix.row_ptr.size() != n + 1 || matrix.col.size() != matrix.val.size() ||
        matrix.row_ptr.back() != matrix.col.size())
        tfidf_->bad("bad matrix shape");
    // Feature indices are checked by the code that walks the matrix (buildsvm), so serve
    // never pages the matrix in.

    sim_ptr = similar_->array<uint64_t>("ptr");
    sim_doc = similar_->array<uint32_t>("doc");
    sim_score = similar_->array<float>("score");
    auto k = similar_->array<uint32_t>("top_k");
    if (sim_ptr.size() != n + 1 || sim_doc.size() != sim_score.size() ||
        sim_ptr.back() != sim_doc.size() || k.size() != 1)
        similar_->bad("bad neighbour lists");
    top_k = k[0];
    for (uint32_t d : sim_doc)
        if (d >= n) similar_->bad("neighbour index out of range");

    search_terms = StringTable(*search_, "terms");
    post_ptr = search_->array<uint64_t>("ptr");
    post_doc = search_->array<uint32_t>("doc");
    post_weight = search_->array<float>("weight");
    recency = search_->array<float>("recency");
    if (post_ptr.size() != search_terms.size() + 1 || post_doc.size() != post_weight.size() ||
        post_ptr.back() != post_doc.size() || recency.size() != n)
        search_->bad("bad search index");
    for (uint32_t d : post_doc)
        if (d >= n) search_->bad("posting index out of range");
}

std::optional<uint32_t> Generation::find(std::string_view id) const {
    size_t lo = 0, hi = ids.size();
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ids.size() && ids[lo] == id) return static_cast<uint32_t>(lo);
    return std::nullopt;
}

}  // namespace asp::ml
