// analyze end to end on a tiny papers.db, read back through the public reader API.
#include <asp/ml/analyze.hpp>
#include <asp/ml/index_reader.hpp>
#include <asp/ml/recs.hpp>
#include <asp/store/papers_db.hpp>

#include <fstream>

#include "ml/section_file.hpp"
#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;

namespace {

Paper paper(std::string id, std::string title, std::string abstract, std::string updated) {
    Paper p;
    p.id = std::move(id);
    p.title = std::move(title);
    p.abstract = std::move(abstract);
    p.authors = {"Ada Lovelace", "Alan Turing"};
    p.categories = {"cs.DC"};
    p.primary_category = "cs.DC";
    p.published = p.updated = std::move(updated);
    return p;
}

void fill(const DataDir& dir) {
    dir.create_layout();
    PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
    db.upsert(paper("2101.00001", "Consensus in distributed systems",
                    "Raft and Paxos consensus protocols for replicated logs.", "2021-01-01T00:00:00Z"));
    db.upsert(paper("2101.00002", "Byzantine consensus at scale",
                    "Byzantine fault tolerant consensus protocols and replicated logs.",
                    "2021-01-02T00:00:00Z"));
    db.upsert(paper("2101.00003", "GPU kernels for sparse matrices",
                    "Sparse matrix multiplication kernels on GPUs.", "2021-01-03T00:00:00Z"));
    db.upsert(paper("cs/0112017", "Old paper on sparse GPU matrices",
                    "Matrix kernels, sparse storage formats.", "2001-12-01T00:00:00Z"));
}

}  // namespace

TEST_CASE("index reader: similar, search, generation and hot reload", "[ml]") {
    test::TempDir tmp;
    const DataDir dir(tmp.path());
    fill(dir);
    REQUIRE(ml::IndexReader::current_generation(dir.index_dir()) == 0);
    CHECK_THROWS_WITH(ml::IndexReader::open(dir.index_dir()), Catch::Contains("run analyze"));

    ml::AnalyzeParams p;
    p.jobs = 2;
    const auto report = ml::run_analyze(dir, p);
    REQUIRE(report.published);
    auto index = ml::IndexReader::open(dir.index_dir());
    CHECK(index->generation() == report.generation);
    CHECK(index->paper_count() == 4);
    CHECK(index->contains("cs/0112017"));
    CHECK(index->contains("2101.00001v3"));
    CHECK_FALSE(index->contains("2101.99999"));

    auto sim = index->similar("2101.00001", 10);
    REQUIRE_FALSE(sim.empty());
    CHECK(sim[0].id == "2101.00002");
    for (const auto& s : sim) CHECK(s.id != "2101.00001");
    CHECK(index->similar("2101.00001", 1).size() == 1);
    CHECK(index->similar("nope", 5).empty());

    auto page = index->search("sparse GPU", 0, 10);
    CHECK(page.total == 2);
    REQUIRE(page.papers.size() == 2);
    // Both match title words equally; the newer paper wins by the recency boost.
    CHECK(page.papers[0].id == "2101.00003");
    CHECK(index->search("sparse GPU", 1, 10).papers.size() == 1);
    CHECK(index->search("sparse GPU", 5, 10).papers.empty());
    CHECK(index->search("https://arxiv.org/abs/cs/0112017v2", 3).at(0).id == "cs/0112017");
    CHECK(index->search("turing", 10).size() == 4);
    CHECK(index->search("", 10).empty());

    // A new paper: a new generation; the old reader keeps working.
    {
        PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
        db.upsert(paper("2101.00004", "Paxos made simple again", "Consensus with Paxos, replicated logs.",
                        "2021-01-04T00:00:00Z"));
    }
    const auto second = ml::run_analyze(dir, p);
    REQUIRE(second.published);
    CHECK_FALSE(second.refitted);  // 5 papers <= 4 fitted x 1.25
    CHECK(second.summary.done == 1);
    CHECK(second.generation == report.generation + 1);
    CHECK(ml::IndexReader::current_generation(dir.index_dir()) == second.generation);
    CHECK(index->similar("2101.00001", 10).at(0).id == "2101.00002");
    auto fresh = ml::IndexReader::open(dir.index_dir());
    bool found = false;
    for (const auto& s : fresh->similar("2101.00001", 10)) found |= s.id == "2101.00004";
    CHECK(found);
    CHECK_FALSE(ml::run_analyze(dir, p).published);

    // The automatic refit rule: more than refit_growth above the papers of the last fit.
    {
        PapersDb db(dir.papers_db(), OpenMode::ReadWrite);
        db.upsert(paper("2101.00005", "Gossip protocols", "Epidemic dissemination.",
                        "2021-01-05T00:00:00Z"));
    }
    p.refit_growth = 0.2;  // 6 > 4 x 1.2
    const auto third = ml::run_analyze(dir, p);
    CHECK(third.refitted);
    CHECK(third.summary.done == 6);
}

TEST_CASE("index files: a truncated or foreign file is refused with its path", "[ml]") {
    test::TempDir tmp;
    const DataDir dir(tmp.path());
    fill(dir);
    ml::AnalyzeParams p;
    const auto report = ml::run_analyze(dir, p);
    const auto sim = dir.index_dir() / ("gen-00000" + std::to_string(report.generation)) / "similar.bin";
    REQUIRE(std::filesystem::exists(sim));
    std::filesystem::resize_file(sim, std::filesystem::file_size(sim) - 8);
    CHECK_THROWS_WITH(ml::IndexReader::open(dir.index_dir()), Catch::Contains("truncated"));
    std::ofstream(sim, std::ios::trunc) << "not an index";
    CHECK_THROWS_WITH(ml::IndexReader::open(dir.index_dir()), Catch::Contains("similar.bin"));
}

TEST_CASE("recs: written atomically, read by user id and username", "[ml]") {
    test::TempDir tmp;
    ml::Recommendations r;
    r.user_id = 7;
    r.username = "ada";
    r.library_rev = 3;
    r.index_generation = 12;
    r.papers = {{"2101.00001", 1.5}, {"cs/0112017", -0.25}};
    ml::write_recommendations(tmp.path(), r);
    ml::write_recommendation_users(tmp.path(), {{"ada", 7}, {"bob", 9}});
    auto back = ml::read_recommendations(tmp.path(), 7);
    REQUIRE(back);
    CHECK(back->username == "ada");
    CHECK(back->library_rev == 3);
    CHECK(back->index_generation == 12);
    REQUIRE(back->papers.size() == 2);
    CHECK(back->papers[1].id == "cs/0112017");
    CHECK(back->papers[1].score == Approx(-0.25));
    CHECK(ml::read_recommendations_by_username(tmp.path(), "ada")->user_id == 7);
    CHECK_FALSE(ml::read_recommendations_by_username(tmp.path(), "bob"));  // no file for 9
    CHECK_FALSE(ml::read_recommendations_by_username(tmp.path(), "zed"));
    CHECK_FALSE(ml::read_recommendations(tmp.path(), 8));
}
