// sync: the data directory <-> S3 (docs/tools/sync.md).
//   sync push s3://BUCKET/PREFIX   upload what is new or changed, then the snapshot's manifest
//   sync pull s3://BUCKET/PREFIX   restore or refresh the data directory from the snapshot
#include <asp/net/http_client.hpp>
#include <asp/sync/sync.hpp>

#include "common/app.hpp"

int main(int argc, char** argv) {
    asp::tools::ToolApp app("sync", "Push the data directory to S3, or pull it back from there");
    std::string command, url;
    std::vector<std::string> excludes;
    bool delete_extra = false;
    auto& cli = app.cli();
    // Not ->required(): CLI11 would report a missing command before an unknown flag.
    cli.add_option("command", command, "push or pull")->check(CLI::IsMember({"push", "pull"}));
    cli.add_option("url", url, "s3://BUCKET/PREFIX");
    cli.add_option("--exclude", excludes,
                   "Leave out paths matching this glob (relative to the data directory; "
                   "a folder name leaves out what is below it); repeatable");
    cli.add_flag("--delete", delete_extra,
                 "pull: remove local files the snapshot does not hold (outside --exclude)");
    if (auto rc = app.parse(argc, argv)) return *rc;
    if (command.empty() || url.empty()) {
        asp::tools::print_error(app.name(), "usage: sync push|pull s3://BUCKET/PREFIX (see --help)");
        return 2;
    }

    return app.run([&] {
        auto s3url = asp::s3::parse_s3_url(url);
        if (!s3url.ok()) {
            asp::tools::print_error(app.name(), s3url.error().message);
            return 2;
        }
        auto env = asp::s3::process_env();
        auto http = asp::make_curl_http_client(asp::default_user_agent());
        auto credentials = asp::s3::make_default_credentials_provider(*http, env);
        asp::s3::S3Client client(*http, *credentials, asp::s3::S3Config::from_env(env));
        app.hold_stage_lock();
        asp::sync::SyncParams params{app.data_dir(), *s3url, excludes, delete_extra};

        auto report = command == "push" ? asp::sync::push(client, params) : asp::sync::pull(client, params);
        if (!report.ok()) {
            asp::tools::print_error(app.name(), command + " " + s3url->str() + ": " + report.error().message);
            return 1;
        }
        spdlog::debug("credentials from {}", credentials->source());
        spdlog::info("{} ({} bytes; snapshot {}{})", report->summary.line(command), report->bytes,
                     report->manifest_id, report->unchanged ? ", unchanged: no new manifest" : "");
        if (report->deleted) spdlog::info("removed {} local files not in the snapshot", report->deleted);
        return 0;
    });
}
