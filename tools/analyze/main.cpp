// analyze: tf-idf, similar papers and the search index (docs/tools/analyze.md).
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include <asp/ml/analyze.hpp>
#include <asp/ml/index_reader.hpp>

#include "common/app.hpp"

namespace {

void print_scored(const std::vector<asp::ml::ScoredPaper>& papers) {
    for (const auto& p : papers)
        std::cout << nlohmann::json{{"id", p.id}, {"score", p.score}}.dump() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    asp::tools::ToolApp app("analyze",
                            "tf-idf vectors, top-K similar papers and the search index");
    asp::ml::AnalyzeParams p;
    auto& t = p.tfidf;
    auto& a = t.analyzer;
    std::string similar, search, strip = "unicode", pattern = "original", norm = "l2",
                                  stop = "english";
    size_t show_top = 10;
    bool no_lowercase = false, no_sublinear = false, no_smooth = false, no_idf = false;
    auto& cli = app.cli();
    app.add_jobs(p.jobs);
    app.add_force(p.force);
    cli.add_flag("--refit", p.refit, "Refit the vocabulary and idf, recompute everything");
    cli.add_option("--refit-growth", p.refit_growth,
                   "Refit automatically when the corpus grew by more than this fraction since "
                   "the last fit (default 0.25)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--top-k", p.top_k, "Neighbours kept per paper (default 50)")
        ->check(CLI::Range(1, 10000));
    cli.add_option("--max-train", t.max_train,
                   "Fit the vocabulary on at most N documents, 0: all (default 5000, as the "
                   "original's max_train)");
    cli.add_option("--count-budget", t.count_budget,
                   "Terms held while counting for the fit; beyond it the rarest are dropped "
                   "and the candidates recounted (default 4000000, 0: unbounded)");
    cli.add_option("--neighbour-terms", p.neighbour_terms,
                   "Largest tf-idf terms per paper in the neighbour candidate index (default 64)");
    cli.add_option("--neighbour-candidates", p.neighbour_candidates,
                   "Candidates scored exactly per paper (default 400)");
    cli.add_option("--neighbour-exact-max", p.neighbour_exact_max,
                   "Up to this many papers the neighbour search is exact, no pruning "
                   "(default 10000)");
    cli.add_option("--max-features", t.max_features,
                   "Vocabulary size, most frequent terms (default 5000; 0: all)");
    cli.add_option("--ngram-min", a.ngram_min, "Smallest n-gram (default 1)")
        ->check(CLI::Range(1, 10));
    cli.add_option("--ngram-max", a.ngram_max, "Largest n-gram (default 2)")
        ->check(CLI::Range(1, 10));
    cli.add_option("--strip-accents", strip, "unicode (default) or none")
        ->check(CLI::IsMember({"unicode", "none"}));
    cli.add_option("--token-pattern", pattern,
                   "original: \\b[a-zA-Z_][a-zA-Z0-9_]+\\b (default); word: \\b\\w\\w+\\b")
        ->check(CLI::IsMember({"original", "word"}));
    cli.add_option("--stop-words", stop, "english (default) or none")
        ->check(CLI::IsMember({"english", "none"}));
    cli.add_option("--norm", norm, "l2 (default) or none")->check(CLI::IsMember({"l2", "none"}));
    cli.add_flag("--no-lowercase", no_lowercase, "Keep case");
    cli.add_flag("--no-sublinear-tf", no_sublinear, "Raw term counts instead of 1 + ln(count)");
    cli.add_flag("--no-smooth-idf", no_smooth, "idf = ln(n / df) + 1");
    cli.add_flag("--no-idf", no_idf, "Do not weight by idf");
    cli.add_option("--min-text-bytes", p.min_text_bytes,
                   "Use a paper's text only when longer than this (default 1000)");
    cli.add_option("--max-text-bytes", p.max_text_bytes,
                   "... and shorter than this (default 500000); else title + abstract");
    cli.add_option("--keep-generations", p.keep_generations,
                   "Index generations kept on disk (default 2)")
        ->check(CLI::Range(1, 100));
    auto* sim = cli.add_option("--similar", similar,
                               "Print the stored neighbours of paper ID as JSON lines; no analysis");
    auto* srch = cli.add_option("--search", search,
                                "Print the search hits of QUERY as JSON lines; no analysis");
    sim->excludes(srch);
    cli.add_option("--top", show_top, "How many lines --similar / --search print (default 10)");
    if (auto rc = app.parse(argc, argv)) return *rc;

    a.lowercase = !no_lowercase;
    a.strip_accents = strip == "unicode" ? asp::ml::AccentStripping::Unicode
                                         : asp::ml::AccentStripping::None;
    a.token_pattern =
        pattern == "original" ? asp::ml::TokenPattern::Original : asp::ml::TokenPattern::WordChars;
    a.english_stop_words = stop == "english";
    t.norm = norm == "l2" ? asp::ml::Norm::L2 : asp::ml::Norm::None;
    t.sublinear_tf = !no_sublinear;
    t.smooth_idf = !no_smooth;
    t.use_idf = !no_idf;

    return app.run([&] {
        const auto dir = app.data_dir();
        if (!similar.empty() || !search.empty()) {
            auto index = asp::ml::IndexReader::open(dir.index_dir());
            if (!similar.empty()) {
                if (!index->contains(similar)) {
                    asp::tools::print_error(app.name(), "no paper " + similar + " in the index");
                    return 1;
                }
                print_scored(index->similar(similar, show_top));
            } else {
                print_scored(index->search(search, show_top));
            }
            return 0;
        }
        if (a.ngram_max < a.ngram_min) {
            asp::tools::print_error(app.name(), "--ngram-max must be >= --ngram-min");
            return 2;
        }
        app.hold_stage_lock();
        const auto report = asp::ml::run_analyze(dir, p);
        std::string line = report.summary.line("analyze");
        line += report.published ? ", generation " + std::to_string(report.generation)
                                 : ", nothing new (generation " +
                                       std::to_string(report.generation) + ")";
        if (report.refitted) line += ", vocabulary refitted (" + std::to_string(report.vocabulary) + " terms)";
        line += ", " + std::to_string(report.lists_recomputed) + " lists computed, " +
                std::to_string(report.lists_updated) + " updated";
        spdlog::info("{}", line);
        return 0;
    });
}
