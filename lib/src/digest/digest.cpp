#include <asp/digest/digest.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include <asp/core/atomic_file.hpp>
#include <asp/core/time.hpp>
#include <asp/mail/message.hpp>
#include <asp/ml/recs.hpp>

#include "digest/digest_sources.hpp"

namespace asp::digest {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kSlack = 4 * 3600;

int64_t period_of(const MailSettings& mail) { return mail.frequency == "weekly" ? 7 * kDay : kDay; }

int64_t real_now() { return static_cast<int64_t>(std::time(nullptr)); }

// The candidates of one user: published since `since`, not saved, not marked "not
// interested", not already in (or passed over by) a digest.
std::vector<Paper> candidates_of(const std::vector<Paper>& recent, const UserSignals& signals) {
    std::vector<Paper> out;
    for (const auto& p : recent)
        if (!signals.excluded.count(p.id)) out.push_back(p);
    return out;
}

DigestSection rank_section(std::string tag, const RankedList& list,
                           const std::vector<Paper>& candidates, size_t per_tag,
                           std::unordered_set<std::string>& taken) {
    DigestSection section;
    section.tag = std::move(tag);
    section.tag_model = list.tag_model;
    std::vector<DigestItem> scored;
    for (const auto& p : candidates) {
        auto it = list.scores.find(p.id);
        if (it == list.scores.end() || taken.count(p.id)) continue;
        scored.push_back({p, it->second});
    }
    std::stable_sort(scored.begin(), scored.end(), [](const DigestItem& a, const DigestItem& b) {
        if (a.score != b.score) return a.score > b.score;
        return a.paper.published > b.paper.published;
    });
    if (scored.size() > per_tag) scored.resize(per_tag);
    for (const auto& item : scored) taken.insert(item.paper.id);
    section.items = std::move(scored);
    return section;
}

}  // namespace

size_t DigestContent::count() const {
    size_t n = 0;
    for (const auto& s : sections) n += s.items.size();
    return n;
}

bool digest_due(const MailSettings& mail, int64_t now) {
    if (mail.frequency != "daily" && mail.frequency != "weekly") return false;
    if (mail.last_digest_at.empty()) return true;
    auto last = parse_iso8601(mail.last_digest_at);
    if (!last) return true;
    return now >= *last + period_of(mail) - kSlack;
}

int64_t digest_since(const MailSettings& mail, int64_t now) {
    auto last = mail.last_digest_at.empty() ? std::nullopt : parse_iso8601(mail.last_digest_at);
    if (!last) return now - period_of(mail);
    return *last - 2 * kDay;
}

DigestReport run_digest(const DataDir& data_dir, UserStore& users, const DigestParams& params,
                        mail::MailSender* sender, Clock& clock) {
    if (!mail::valid_address(params.from))
        throw std::invalid_argument("invalid sender address: " + params.from);
    if (!params.dry_run_dir && !sender) throw std::invalid_argument("no mail sender");
    const int64_t now = params.now.value_or(real_now());
    const std::string now_iso = format_iso8601(now);

    DigestReport report;
    auto recipients = users.digest_recipients();
    if (!params.only_user.empty())
        std::erase_if(recipients, [&](const DigestRecipient& r) { return r.username != params.only_user; });
    report.recipients = recipients.size();
    if (recipients.empty()) return report;

    if (!valid_base_url(params.base_url)) throw std::invalid_argument("invalid base URL: " + params.base_url);
    PapersDb papers(data_dir.papers_db(), OpenMode::ReadOnly);
    const auto thumb_exists = [&](const Paper& p) {
        std::error_code ec;
        return std::filesystem::exists(data_dir.thumb_path(p.id, p.version), ec);
    };
    // Papers of the widest window any due user needs, read once.
    int64_t earliest = now;
    std::vector<const DigestRecipient*> due;
    for (const auto& r : recipients) {
        if (!digest_due(r.mail, now)) continue;
        due.push_back(&r);
        earliest = std::min(earliest, digest_since(r.mail, now));
    }
    report.due = due.size();
    if (due.empty()) return report;
    const std::vector<Paper> recent = papers.published_since(format_iso8601(earliest));

    const auto pause = params.max_per_minute > 0
                           ? std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(60.0 / params.max_per_minute))
                           : Clock::duration::zero();
    bool first_message = true;
    for (const DigestRecipient* r : due) {
        const std::string since = format_iso8601(digest_since(r->mail, now));
        std::vector<Paper> window;
        for (const auto& p : recent)
            if (p.published >= since) window.push_back(p);
        const UserSignals signals = read_user_signals(users, r->user_id);
        const std::vector<Paper> candidates = candidates_of(window, signals);

        DigestContent content;
        std::unordered_set<std::string> taken;
        const std::vector<std::string> tags = r->mail.tags;
        if (tags.empty()) {
            content.sections.push_back(rank_section(
                "", read_ranked_list(data_dir, users, *r, ""), candidates, params.per_tag, taken));
        } else {
            for (const auto& tag : tags)
                content.sections.push_back(rank_section(
                    tag, read_ranked_list(data_dir, users, *r, tag), candidates, params.per_tag, taken));
        }
        for (const auto& p : candidates)
            if (!taken.count(p.id)) content.passed.push_back(p.id);
        std::vector<std::string> included(taken.begin(), taken.end());

        if (content.count() == 0) {
            ++report.nothing_new;
            if (!params.dry_run_dir) users.record_digest(r->user_id, {}, content.passed, now_iso);
            continue;
        }
        const mail::Message message = render_digest(params, *r, content, thumb_exists);
        std::string why;
        mail::RenderOptions options;
        options.date = now;
        auto data = mail::render(message, options, &why);
        if (!data) {
            // A stored address that no longer passes the check: count it, never crash.
            spdlog::warn("digest: {}: cannot build the message: {}", r->username, why);
            ++report.permanent;
            if (!params.dry_run_dir && users.record_mail_failure(r->user_id) >= 3) ++report.disabled;
            continue;
        }
        if (params.dry_run_dir) {
            write_file_atomic(*params.dry_run_dir / (r->username + ".eml"), *data);
            ++report.sent;
            continue;
        }
        if (!first_message && pause > Clock::duration::zero()) clock.sleep_for(pause);
        first_message = false;
        const mail::SendResult result = sender->send(params.from, r->mail.email, *data);
        switch (result.outcome) {
            case mail::SendOutcome::Sent:
                users.record_digest(r->user_id, included, content.passed, now_iso);
                ++report.sent;
                spdlog::info("digest: {}: {} papers sent", r->username, content.count());
                break;
            case mail::SendOutcome::Transient:
                ++report.transient;
                spdlog::warn("digest: {}: server answered {} ({}); trying again next run",
                             r->username, result.code, result.detail);
                break;
            case mail::SendOutcome::Permanent:
                ++report.permanent;
                if (users.record_mail_failure(r->user_id) >= 3) ++report.disabled;
                spdlog::warn("digest: {}: server refused the message: {} ({})", r->username,
                             result.code, result.detail);
                break;
            case mail::SendOutcome::Unavailable:
                report.server_unavailable = true;
                report.server_error = result.detail;
                return report;
        }
    }
    return report;
}

}  // namespace asp::digest
