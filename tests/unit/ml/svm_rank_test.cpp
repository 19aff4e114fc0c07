// rank_by_svm's reduced problem (instant answers) against the full one, on an index analyze made
// from papers on three topics; and the streamed scoring pass against decision_values().
#include <asp/ml/analyze.hpp>
#include <asp/ml/index_reader.hpp>
#include <asp/ml/svm_rank.hpp>
#include <asp/store/papers_db.hpp>

#include <algorithm>
#include <random>
#include <set>

#include "ml/generation.hpp"
#include "ml/streamed_rows.hpp"
#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

const std::vector<std::vector<std::string>> kTopics = {
    {"consensus", "raft", "paxos", "replication", "quorum", "leader", "byzantine", "log", "failure",
     "election", "commit", "fault"},
    {"gpu", "kernel", "sparse", "matrix", "cuda", "tensor", "memory", "bandwidth", "warp", "cache",
     "throughput", "accelerator"},
    {"scheduling", "cluster", "job", "queue", "fairness", "deadline", "resource", "allocation",
     "container", "placement", "elastic", "autoscaling"},
};
const std::vector<std::string> kCommon = {"system", "performance", "evaluation", "design", "model",
                                          "approach", "results", "framework", "analysis", "large"};

// 300 papers, 100 per topic: each abstract mixes its topic's words with common ones.
std::vector<std::string> fill(const DataDir& dir) {
    dir.create_layout();
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    std::mt19937 rng(7);
    std::vector<std::string> ids;
    for (int i = 0; i < 300; ++i) {
        const auto& topic = kTopics[static_cast<size_t>(i % 3)];
        std::string text;
        for (int w = 0; w < 40; ++w) {
            const auto& words = (rng() % 3 == 0) ? kCommon : topic;
            text += words[rng() % words.size()] + " ";
        }
        Paper p;
        char id[32];
        std::snprintf(id, sizeof id, "2101.%05d", i + 1);
        p.id = id;
        p.title = "Paper " + std::to_string(i);
        p.abstract = text;
        p.authors = {"Ada Lovelace"};
        p.categories = {"cs.DC"};
        p.primary_category = "cs.DC";
        p.published = p.updated = "2021-01-01T00:00:00Z";
        db.upsert(p);
        ids.push_back(p.id);
    }
    return ids;
}

// An analyzed data directory of those papers.
struct TopicIndex {
    test::TempDir tmp;
    std::vector<std::string> ids;
    std::shared_ptr<const ml::IndexReader> index;
    TopicIndex() {
        const DataDir dir(tmp.path());
        ids = fill(dir);
        ml::AnalyzeParams ap;
        ap.jobs = 1;
        REQUIRE(ml::run_analyze(dir, ap).published);
        index = ml::IndexReader::open(dir.index_dir());
    }
};

}  // namespace

TEST_CASE("svm rank: a reduced problem ranks like the full one and never lists its inputs", "[ml]") {
    const TopicIndex t;
    const auto& ids = t.ids;
    const auto& index = t.index;

    // A library on topic 0, one paper of topic 1 marked "not interested".
    ml::RankInputs in{{ids[0], ids[3], ids[6], ids[9], ids[12]}, {ids[1]}};
    ml::RankParams full;
    full.top = 50;
    const auto reference = ml::rank_by_svm(*index, in, full);
    CHECK(reference.trained_rows == ids.size());

    for (auto weights : {ml::SampleWeights::horvitz_thompson, ml::SampleWeights::uniform}) {
        ml::RankParams p = full;
        p.sample_random = 60;
        p.sample_hard = 30;
        p.sample_weights = weights;
        const auto r = ml::rank_by_svm(*index, in, p);
        REQUIRE(r.papers.size() == 50);
        std::set<std::string> listed, ref;
        for (const auto& s : r.papers) listed.insert(s.id);
        for (const auto& s : reference.papers) ref.insert(s.id);
        for (const auto& id : in.positives) CHECK_FALSE(listed.count(id));
        CHECK_FALSE(listed.count(ids[1]));
        size_t overlap = 0;
        for (const auto& id : listed) overlap += ref.count(id);
        // The unbiased weighting agrees with the full problem (the uniform one is kept to be
        // measured against it: docs/tools/serve.md).
        if (weights == ml::SampleWeights::horvitz_thompson) CHECK(overlap >= 40);
        // Best first, and the library's topic on top (ids are 1-based: topic 0 is 1 mod 3).
        CHECK(std::is_sorted(r.papers.begin(), r.papers.end(),
                             [](const auto& a, const auto& b) { return a.score > b.score; }));
        size_t on_topic = 0;
        for (size_t k = 0; k < 30; ++k) on_topic += std::stoi(r.papers[k].id.substr(5)) % 3 == 1;
        CHECK(on_topic >= 27);
    }
    // With a previous ranking as the hard negatives and a warm start: the same answer.
    ml::RankParams p = full;
    p.sample_random = 60;
    p.sample_hard = 30;
    for (const auto& s : reference.papers) p.hard_candidates.push_back(s.id);
    p.warm = reference.model.get();
    const auto warm = ml::rank_by_svm(*index, in, p);
    CHECK(warm.trained_rows < ids.size());  // the reduced problem
    CHECK(warm.papers.front().id == reference.papers.front().id);
}

TEST_CASE("svm rank: the streamed scoring pass gives decision_values' scores, also from the mapping",
          "[ml]") {
    const TopicIndex t;
    const auto& ids = t.ids;
    const auto& index = t.index;
    const auto& g = index->generation_data();
    const ml::SparseRows x{g.matrix.row_ptr, g.matrix.col, g.matrix.val, g.terms.size()};
    std::vector<char> pos(ids.size(), 0);
    for (size_t i = 0; i < ids.size(); i += 3) pos[i] = 1;
    const auto m = ml::train_linear_svm(x, pos, {});
    const auto expected = ml::decision_values(x, std::span<const ml::LinearSvmModel>(&m, 1))[0];
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1)  // tfidf.bin gone (analyze removed the generation): the mapping answers
            std::filesystem::remove(g.tfidf_file().path());
        ml::MatrixReader reader(g);
        const auto got = reader.decision_values(m);
        REQUIRE(got.size() == expected.size());
        for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(expected[i]).margin(1e-6));
    }
    CHECK(index->terms_of(ids[0]) == index->terms_of(ids[0]));
    CHECK_FALSE(index->terms_of(ids[0]).empty());
}
