// buildsvm: per-user SVM recommendations (docs/tools/buildsvm.md).
#include <iostream>

#include <nlohmann/json.hpp>

#include <asp/ml/buildsvm.hpp>
#include <asp/ml/recs.hpp>

#include "common/app.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("buildsvm", "per-user recommendations from a linear SVM");
    asp::ml::BuildSvmParams p;
    // Looser than the library's 1e-3 (serve's on-demand models): the nightly lists at 1e-2
    // overlap 1e-3's top 100 by 99.6% at two thirds of the passes (docs/tools/buildsvm.md).
    p.svm.tol = 1e-2;
    std::string recs_user, solver = "dual";
    size_t show_top = 10;
    auto& cli = app.cli();
    app.add_jobs(p.jobs);
    app.add_force(p.force);
    cli.add_option("--users-db", p.users_db,
                   "User store: a SQLite path or postgresql:// URL (default: users.db in the "
                   "data directory)");
    cli.add_option("--C", p.svm.C, "SVM regularization C (default 0.1)")
        ->check(CLI::PositiveNumber);
    cli.add_option("--tol", p.svm.tol, "Dual: stopping tolerance, spread of projected gradients of a pass (default 1e-2)")
        ->check(CLI::PositiveNumber);
    cli.add_option("--solver", solver, "dual (coordinate descent, default) or newton (primal truncated Newton)")
        ->check(CLI::IsMember({"newton", "dual"}));
    cli.add_option("--newton-tol", p.svm.newton_tol,
                   "Newton: stop at this gradient norm relative to the start's (default 1e-3)")
        ->check(CLI::PositiveNumber);
    cli.add_option("--max-iter", p.svm.max_iter, "Most passes over the data (default 1000)")
        ->check(CLI::Range(1, 10000000));
    cli.add_option("--retrain-growth", p.retrain_growth,
                   "Retrain a user with an unchanged library once the index grew by this "
                   "fraction since their model was trained (default 0.1)")
        ->check(CLI::NonNegativeNumber);
    cli.add_option("--num-recommendations", p.top, "Papers kept per user (default 1000)")
        ->check(CLI::Range(1, 1000000));
    cli.add_option("--recs", recs_user,
                   "Print the stored recommendations of USERNAME as JSON lines; no training");
    cli.add_option("--top", show_top, "How many lines --recs prints (default 10)");
    if (auto rc = app.parse(argc, argv)) return *rc;
    p.svm.solver = solver == "dual" ? asp::ml::SvmSolver::DualCd : asp::ml::SvmSolver::Newton;

    return app.run([&] {
        const auto dir = app.data_dir();
        if (!recs_user.empty()) {
            auto r = asp::ml::read_recommendations_by_username(dir.recs_dir(), recs_user);
            if (!r) {
                asp::tools::print_error(app.name(), "no recommendations for user " + recs_user +
                                                        " in " + dir.recs_dir().string());
                return 1;
            }
            for (size_t i = 0; i < r->papers.size() && i < show_top; ++i)
                std::cout << nlohmann::json{{"id", r->papers[i].id}, {"score", r->papers[i].score}}
                                 .dump()
                          << "\n";
            return 0;
        }
        app.hold_stage_lock();
        const auto report = asp::ml::run_buildsvm(dir, p);
        spdlog::info("{}, {} lists updated without training, tags: {} trained, {} unchanged, {} "
                     "failed, index generation {}, {} stale removed",
                     report.summary.line("buildsvm"), report.updated, report.tags_done,
                     report.tags_skipped, report.tags_failed, report.generation, report.removed);
        return 0;
    });
}
