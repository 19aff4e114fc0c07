#include <asp/ml/index_reader.hpp>

#include <algorithm>
#include <stdexcept>

#include <asp/arxiv/id.hpp>

#include "ml/generation.hpp"
#include "ml/search_words.hpp"

namespace asp::ml {
namespace {

// "2101.00001v2" or an arXiv URL -> "2101.00001"; anything else unchanged.
std::string raw_id(std::string_view id) {
    if (auto parsed = parse_arxiv_id(id)) return parsed->raw;
    return std::string(id);
}

std::optional<size_t> find_term(const StringTable& terms, std::string_view word) {
    size_t lo = 0, hi = terms.size();
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        if (terms[mid] < word)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < terms.size() && terms[lo] == word) return lo;
    return std::nullopt;
}

}  // namespace

std::shared_ptr<const IndexReader> IndexReader::open(const std::filesystem::path& index_dir) {
    auto g = read_current_generation(index_dir);
    if (!g) throw std::runtime_error("no index in " + index_dir.string() + ": run analyze");
    return std::shared_ptr<const IndexReader>(
        new IndexReader(std::make_unique<Generation>(index_dir, *g)));
}

uint64_t IndexReader::current_generation(const std::filesystem::path& index_dir) {
    return read_current_generation(index_dir).value_or(0);
}

IndexReader::IndexReader(std::unique_ptr<Generation> g) : g_(std::move(g)) {}
IndexReader::~IndexReader() = default;

uint64_t IndexReader::generation() const { return g_->generation(); }
size_t IndexReader::paper_count() const { return g_->size(); }

bool IndexReader::contains(std::string_view paper_id) const {
    return g_->find(raw_id(paper_id)).has_value();
}

std::vector<std::string> IndexReader::paper_ids() const {
    std::vector<std::string> out;
    out.reserve(g_->size());
    for (size_t i = 0; i < g_->size(); ++i) out.emplace_back(g_->ids[i]);
    return out;
}

std::vector<ScoredPaper> IndexReader::similar(std::string_view paper_id, size_t k) const {
    std::vector<ScoredPaper> out;
    auto d = g_->find(raw_id(paper_id));
    if (!d) return out;
    const uint64_t b = g_->sim_ptr[*d], e = g_->sim_ptr[*d + 1];
    for (uint64_t p = b; p < e && out.size() < k; ++p)
        out.push_back({std::string(g_->ids[g_->sim_doc[p]]), g_->sim_score[p]});
    return out;
}

std::vector<std::pair<std::string, double>> IndexReader::terms_of(std::string_view paper_id) const {
    std::vector<std::pair<std::string, double>> out;
    auto d = g_->find(raw_id(paper_id));
    if (!d || *d >= g_->matrix.rows()) return out;
    for (uint64_t p = g_->matrix.row_ptr[*d]; p < g_->matrix.row_ptr[*d + 1]; ++p)
        out.emplace_back(std::string(g_->terms[g_->matrix.col[p]]), g_->matrix.val[p]);
    return out;
}

namespace {
// Per-thread scratch of search(): a flat score array over the generation's papers (reset
// lazily through an epoch stamp, so a query costs its postings, not the paper count), the
// papers it touched, and the hits. Grown to the largest generation a thread has searched.
struct SearchScratch {
    std::vector<double> score;
    std::vector<uint32_t> stamp;
    uint32_t epoch = 0;
    std::vector<uint32_t> touched;
    std::vector<std::pair<uint32_t, double>> hits;

    void start(size_t n) {
        if (score.size() < n) {
            score.resize(n);
            stamp.resize(n, epoch);
        }
        if (++epoch == 0) {  // wrapped: forget every stamp
            std::fill(stamp.begin(), stamp.end(), 0);
            epoch = 1;
        }
        touched.clear();
        hits.clear();
    }
    void add(uint32_t doc, double w) {
        if (stamp[doc] != epoch) {
            stamp[doc] = epoch;
            score[doc] = 0;
            touched.push_back(doc);
        }
        score[doc] += w;
    }
};
}  // namespace

SearchPage IndexReader::search(std::string_view query, size_t offset, size_t limit) const {
    SearchPage page;
    thread_local SearchScratch scratch;
    scratch.start(g_->size());
    std::string q(query);
    for (char& c : q)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    size_t pos = 0;
    while (pos < q.size()) {
        size_t end = q.find(' ', pos);
        if (end == std::string::npos) end = q.size();
        const std::string_view part(q.data() + pos, end - pos);
        pos = end + 1;
        if (part.empty()) continue;
        std::vector<std::string> words;
        if (auto id = parse_arxiv_id(part))
            words.push_back(id->raw);
        else
            words = search_words(part);
        for (const auto& w : words) {
            auto t = find_term(g_->search_terms, w);
            if (!t) continue;
            for (uint64_t p = g_->post_ptr[*t]; p < g_->post_ptr[*t + 1]; ++p)
                scratch.add(g_->post_doc[p], g_->post_weight[p]);
        }
    }
    auto& hits = scratch.hits;
    for (uint32_t doc : scratch.touched)
        if (double s = scratch.score[doc]; s > 0)
            hits.emplace_back(doc, s + kRecencyBoost * g_->recency[doc]);
    page.total = hits.size();
    auto better = [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    const size_t want =
        offset >= hits.size() ? hits.size() : offset + std::min(limit, hits.size() - offset);
    if (offset >= want) return page;
    // The best `want` in order: select them (linear), then sort only those.
    const auto cut = hits.begin() + static_cast<ptrdiff_t>(want);
    if (cut != hits.end()) std::nth_element(hits.begin(), cut, hits.end(), better);
    std::sort(hits.begin(), cut, better);
    page.papers.reserve(want - offset);
    for (size_t i = offset; i < want; ++i)
        page.papers.push_back({std::string(g_->ids[hits[i].first]), hits[i].second});
    return page;
}

std::vector<ScoredPaper> IndexReader::search(std::string_view query, size_t k) const {
    return search(query, 0, k).papers;
}

}  // namespace asp::ml
