// Flags shared by the document stages (pdf2txt, thumb): worker limits, small-disk mode, and
// the debugging mode over explicit PDF files.
#pragma once

#include <string>
#include <vector>

#include "common/app.hpp"

#include <asp/pdf/document_stage.hpp>

namespace asp::tools {

struct DocumentCli {
    DocumentStageParams params;
    double timeout_seconds = 120;
    size_t max_memory_mib = 1024;
    std::vector<std::string> files;
    std::string output_dir;

    void add_to(ToolApp& app) {
        app.add_jobs(params.jobs);
        app.add_force(params.force);
        app.add_retry_failed(params.retry_failed);
        auto& cli = app.cli();
        cli.add_flag("--small-disk", params.small_disk,
                     "Delete a paper's PDF once its text and thumbnail exist (it is not "
                     "downloaded again)");
        cli.add_option("--timeout", timeout_seconds,
                       "Seconds one PDF may take (wall clock and CPU) before it is killed and "
                       "recorded as failed")
            ->capture_default_str()
            ->check(CLI::PositiveNumber);
        cli.add_option("--max-memory", max_memory_mib,
                       "Address-space limit of one worker, MiB (0: none)")
            ->capture_default_str();
        cli.add_option("files", files,
                       "Debugging: process these PDF files instead of papers.db (needs --output)");
        cli.add_option("-o,--output", output_dir, "Debugging: folder for the outputs of FILES");
    }

    // Applies the limits; returns false (after printing why) when the flags do not fit together.
    bool finish(ToolApp& app) {
        params.limits.wall_time = std::chrono::milliseconds(static_cast<long>(timeout_seconds * 1000));
        params.limits.cpu_time = std::chrono::seconds(static_cast<long>(timeout_seconds) + 1);
        params.limits.address_space_mib = max_memory_mib;
        if (!files.empty() && output_dir.empty()) {
            print_error(app.name(), "FILES need --output DIR (see --help)");
            return false;
        }
        return true;
    }

    int run(ToolApp& app, DocumentKind kind) {
        StageSummary summary;
        if (!files.empty()) {
            std::vector<std::filesystem::path> paths(files.begin(), files.end());
            summary = run_document_files(kind, paths, output_dir, params);
        } else {
            app.hold_stage_lock();
            summary = run_document_stage(kind, app.data_dir(), params);
        }
        spdlog::info("{}", summary.line(app.name()));
        return 0;
    }
};

}  // namespace asp::tools
