// The digest stage: for every user whose e-mail digest is due, the papers announced since
// their last digest, ranked by their recommendations (buildsvm's lists in recs/: the
// per-tag list where one exists for a chosen tag, else the whole library's), the top N of
// each chosen tag, saved papers left out; one multipart message (text + HTML) per user with
// RFC 8058 one-click unsubscribe headers, sent through a MailSender.
//
// Never twice, never lost: a user's papers are recorded (UserStore::record_digest) right after
// the server accepted their message and before the next message starts, so a digest killed at
// any point and run again sends at most the one message in flight a second time and skips
// nobody. A 4xx answer leaves the user for the next run; a 5xx counts against the address
// (disabled after 3); an unusable server (no connection, TLS or AUTH failure) stops the run
// with DigestReport::server_unavailable, nothing counted against anyone.
//
// Not thread-safe (one run at a time: the stage lock of Makefile.pipeline / the tool).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asp/core/clock.hpp>
#include <asp/core/data_dir.hpp>
#include <asp/mail/message.hpp>
#include <asp/mail/smtp.hpp>
#include <asp/store/papers_db.hpp>
#include <asp/store/user_store.hpp>

namespace asp::digest {

struct DigestParams {
    std::string from;                    // sender address (valid_address)
    std::string from_name = "arxiv-sanity";
    std::string base_url;                // the site, e.g. "https://papers.example.org"
    size_t per_tag = 10;                 // papers per tag (or for the whole library)
    double max_per_minute = 30;          // messages per minute at most (0: no limit)
    std::optional<std::filesystem::path> dry_run_dir;  // write .eml files, send and record nothing
    std::string only_user;               // one user by name (by hand); empty: every due user
    std::optional<int64_t> now;          // unix seconds (tests); default: the real time
};

struct DigestReport {
    size_t recipients = 0;      // users with a verified address and a digest on
    size_t due = 0;
    size_t sent = 0;            // messages accepted (or written, in a dry run)
    size_t nothing_new = 0;     // due, but no new paper ranked for them
    size_t transient = 0;       // 4xx: left for the next run
    size_t permanent = 0;       // 5xx: counted against the address
    size_t disabled = 0;        // addresses disabled by this run (3rd failure)
    bool server_unavailable = false;
    std::string server_error;   // why, when unavailable
};

// One paper of a digest section.
struct DigestItem {
    Paper paper;
    double score = 0;
};

struct DigestSection {
    std::string tag;            // empty: the whole library
    bool tag_model = false;     // ranked by the tag's own list (false: the library's)
    std::vector<DigestItem> items;
};

// What one user's digest holds, before it is rendered (a pure function of its inputs, for
// tests): the candidates are the papers published since `since` that the user neither saved
// nor already got; ranked per section by the matching recommendation list.
struct DigestContent {
    std::vector<DigestSection> sections;
    std::vector<std::string> passed;  // candidates not included (remembered as seen)
    size_t count() const;
};

// Due at `now`: never sent, or the period (a day / a week) minus a 4-hour slack for cron
// drift has passed since the last digest.
bool digest_due(const MailSettings& mail, int64_t now);

// The first paper date a digest of `mail` considers at `now`: the last day or week for a first
// digest; else two days before the last digest (papers fetched late; what was already
// considered is remembered, so nothing repeats).
int64_t digest_since(const MailSettings& mail, int64_t now);

// Renders one user's message (multipart text + HTML, List-Unsubscribe headers).
// `thumb_exists(paper)` tells whether the site has the paper's thumbnail strip.
mail::Message render_digest(const DigestParams& params, const DigestRecipient& user,
                            const DigestContent& content,
                            const std::function<bool(const Paper&)>& thumb_exists);

// True for "http://host..." / "https://host..." without spaces, quotes, angle brackets or
// control characters, and without a trailing slash: safe in links, headers and HTML.
bool valid_base_url(std::string_view url);

// The whole stage. `sender` may be null for a dry run.
DigestReport run_digest(const DataDir& data_dir, UserStore& users, const DigestParams& params,
                        mail::MailSender* sender, Clock& clock = system_clock());

}  // namespace asp::digest
