// download: the PDF of every paper's current version (see docs/tools/download.md).
#include "common/app.hpp"
#include <cmath>

#include <asp/net/http_client.hpp>
#include <asp/pdf/download.hpp>

int main(int argc, char** argv) {
    asp::tools::ToolApp app("download",
                            "Download the PDF of each paper's current version into pdf/, "
                            "politely, checking each is a complete PDF");
    asp::DownloadParams params;
    double timeout = 60;
    app.add_force(params.force);
    app.add_retry_failed(params.retry_failed);
    app.add_wait_time(params.wait_seconds,
                      "Seconds between requests (default 3; never under 3 against arxiv.org)");
    auto& cli = app.cli();
    cli.add_option("--pdf-url", params.pdf_url, "Base URL of the PDFs: <base>/<id>v<N>")
        ->capture_default_str();
    cli.add_flag("--small-disk,--delete-pdfs", params.small_disk,
                 "Delete a paper's PDF once its text and thumbnail exist; it is not downloaded "
                 "again");
    cli.add_option("--timeout", timeout,
                   "Seconds a transfer may make no progress before it is abandoned and retried")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cli.add_option("--max-attempts", params.max_attempts,
                   "Tries per PDF on 429/5xx/cut transfers")
        ->capture_default_str()
        ->check(CLI::Range(1, 20));
    if (auto rc = app.parse(argc, argv)) return *rc;
    params.stall_timeout = std::chrono::seconds(std::max(1L, std::lround(timeout)));
    return app.run([&] {
        app.hold_stage_lock();
        auto http = asp::make_curl_http_client(asp::default_user_agent());
        auto summary = asp::run_download(app.data_dir(), params, *http);
        spdlog::info("{}", summary.line("download"));
        return 0;
    });
}
