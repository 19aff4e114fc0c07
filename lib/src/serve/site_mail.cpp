// serve's e-mail side: the address and its verification, digest preferences, the digest's
// one-click unsubscribe (RFC 8058) and the private feed token (docs/tools/serve.md, "E-mail,
// digests and feeds"). A verification link carries "<user id>.<nonce>.<expiry>.<HMAC>", signed
// with the session secret over the address it verifies: single use (the store consumes the
// nonce), valid 48 hours, useless for any other address.
#include <algorithm>
#include <charconv>
#include <ctime>

#include <nlohmann/json.hpp>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <asp/mail/message.hpp>
#include <asp/mail/smtp.hpp>

#include "serve/html.hpp"
#include "serve/site_impl.hpp"

namespace asp::serve {
namespace {

using nlohmann::json;
using web::Method;
using web::Request;
using web::Response;

constexpr int64_t kVerifySeconds = 48 * 3600;
constexpr size_t kMaxDigestTags = 200;

bool is_hex(std::string_view s, size_t length) {
    return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::optional<int64_t> parse_int(std::string_view s) {
    int64_t v = 0;
    if (s.empty() || s.size() > 19) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string verify_message(int64_t user_id, std::string_view email, std::string_view nonce,
                           int64_t expires) {
    return "verify-email|" + std::to_string(user_id) + "|" + std::string(email) + "|" +
           std::string(nonce) + "|" + std::to_string(expires);
}

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

struct VerifyToken {
    int64_t user_id = 0;
    std::string nonce;
    int64_t expires = 0;
    std::string mac;
};

std::optional<VerifyToken> parse_verify_token(std::string_view token) {
    if (token.size() > 200) return std::nullopt;
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (parts.size() < 5) {
        size_t dot = token.find('.', start);
        parts.push_back(token.substr(start, dot == std::string_view::npos ? token.npos : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (parts.size() != 4) return std::nullopt;
    auto uid = parse_int(parts[0]);
    auto exp = parse_int(parts[2]);
    if (!uid || !exp || !is_hex(parts[1], 32) || !is_hex(parts[3], 64)) return std::nullopt;
    return VerifyToken{*uid, std::string(parts[1]), *exp, std::string(parts[3])};
}

// The digest tags of a form's comma-separated field.
std::vector<std::string> split_tags(std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view t = text.substr(start, comma - start);
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
        if (!t.empty()) out.emplace_back(t);
        start = comma + 1;
    }
    return out;
}

}  // namespace

bool Site::Impl::mail_configured() const {
    return !options.mail.smtp_url.empty() && !options.mail.from.empty() &&
           !options.mail.base_url.empty();
}

std::string Site::Impl::account_json(const User& user) {
    const MailSettings m = users.mail_settings(user.id);
    json feed = nullptr;
    if (!m.feed_token.empty())
        feed = options.mail.base_url + "/feeds/u/" + m.feed_token + "/recommend.xml";
    json j = {{"username", user.username},
              {"email", m.email.empty() ? json(nullptr) : json(m.email)},
              {"verified", m.verified},
              {"digest", {{"frequency", m.frequency}, {"tags", m.tags}}},
              {"mail_configured", mail_configured()},
              {"delivery", {{"failures", m.failures}, {"disabled", m.disabled}}},
              {"feed", feed}};
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<BadRequest> Site::Impl::change_email(const User& user, std::string_view email_in) {
    if (!mail_configured())
        return BadRequest{409, "mail is not configured on this site (serve --smtp-url, "
                               "--mail-from, --base-url)"};
    if (email_in.size() > 254 || !mail::valid_address(email_in))
        return BadRequest{400, "not a valid e-mail address"};
    const std::string email = mail::normalize_address(email_in);
    if (!mail_limiter.allow("verify:" + std::to_string(user.id)))
        return BadRequest{429, "too many verification mails; try again later"};
    const std::string nonce = mail::random_hex_token(16);
    if (!users.set_email(user.id, email, nonce, mail::random_hex_token(24)))
        return BadRequest{404, "no such user"};
    const int64_t expires = now_seconds() + kVerifySeconds;
    const std::string token = std::to_string(user.id) + "." + nonce + "." +
                              std::to_string(expires) + "." +
                              codec.sign(verify_message(user.id, email, nonce, expires));
    const std::string link = options.mail.base_url + "/account/verify?token=" + token;

    mail::Message m;
    m.from = options.mail.from;
    m.from_name = "arxiv-sanity";
    m.to = email;
    m.subject = "Confirm your e-mail address";
    m.text = "Hello " + user.username +
             ",\n\nto receive paper digests at this address, open this link within 48 hours:\n\n" +
             link + "\n\nIf you did not ask for this, ignore this message.\n";
    mail::RenderOptions ro;
    ro.date = now_seconds();
    std::string why;
    auto rendered = mail::render(m, ro, &why);
    if (!rendered) return BadRequest{400, "cannot write to this address: " + why};
    mail::SmtpConfig smtp{options.mail.smtp_url, options.mail.smtp_user, options.mail.smtp_password,
                          options.mail.smtp_ca_file, std::chrono::seconds(20)};
    auto result = mail::make_smtp_sender(smtp)->send(m.from, m.to, *rendered);
    if (result.outcome != mail::SendOutcome::Sent) {
        spdlog::warn("verification mail for user {} not sent: {} {} ({})", user.id,
                     mail::outcome_name(result.outcome), result.code, result.detail);
        if (result.outcome == mail::SendOutcome::Permanent)
            return BadRequest{400, "the mail server refused this address"};
        return BadRequest{503, "the mail server is unavailable; the address is saved, "
                               "ask for a new link later"};
    }
    return std::nullopt;
}

std::optional<BadRequest> Site::Impl::change_digest(const User& user, std::string_view frequency,
                                                    const std::vector<std::string>& tags) {
    if (frequency != "daily" && frequency != "weekly" && frequency != "off")
        return BadRequest{400, "frequency is \"daily\", \"weekly\" or \"off\""};
    if (tags.size() > kMaxDigestTags) return BadRequest{400, "too many tags"};
    for (const auto& t : tags)
        if (!valid_tag_name(t))
            return BadRequest{400, "a tag is 1-40 letters, digits, spaces, '.', '_' or '-'"};
    std::vector<std::string> unique = tags;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    if (!users.set_digest(user.id, frequency, unique)) return BadRequest{404, "no such user"};
    return std::nullopt;
}

std::string Site::Impl::new_feed_token(const User& user) {
    std::string token = mail::random_hex_token(24);
    users.set_feed_token(user.id, token);
    return token;
}

std::string Site::Impl::account_mail_section(RequestContext& c) {
    const MailSettings m = users.mail_settings(c.user->id);
    const std::string csrf =
        "<input type=\"hidden\" name=\"csrf\" value=\"" + html::escape(c.csrf) + "\">";
    std::string out = "<section class=\"account\" id=\"mail\"><h2>E-mail digest</h2>";
    if (!mail_configured()) {
        out += "<p class=\"note\">Mail is not configured on this site, so no digest can be sent "
               "(the operator sets serve's --smtp-url, --mail-from and --base-url).</p>";
    } else {
        out += "<p>Address: ";
        if (m.email.empty()) out += "none";
        else {
            out += "<b>" + html::escape(m.email) + "</b> ";
            out += m.verified ? "(verified)" : "(not verified yet: open the link we mailed you)";
        }
        out += "</p>";
        if (m.disabled)
            out += "<p class=\"error\">Delivery to this address failed 3 times; digests are "
                   "stopped. Enter the address again (or another) to resume.</p>";
        out += "<form class=\"account\" method=\"post\" action=\"/account/email\">" + csrf +
               "<label for=\"email\">e-mail address</label><input id=\"email\" name=\"email\" "
               "type=\"email\" maxlength=\"254\" required autocomplete=\"email\" value=\"" +
               html::escape(m.email) + "\"><button type=\"submit\">save and send a "
               "confirmation link</button></form>";
    }
    out += "<form class=\"account\" method=\"post\" action=\"/account/digest\">" + csrf +
           "<fieldset><legend>How often</legend>";
    for (const char* f : {"daily", "weekly", "off"}) {
        out += std::string("<label><input type=\"radio\" name=\"frequency\" value=\"") + f + "\"" +
               (m.frequency == f ? " checked" : "") + "> " + f + "</label> ";
    }
    std::string tags;
    for (const auto& t : m.tags) tags += (tags.empty() ? "" : ", ") + t;
    out += "</fieldset><label for=\"digest-tags\">tags (comma-separated; empty: the whole "
           "library)</label><input id=\"digest-tags\" name=\"tags\" maxlength=\"9000\" value=\"" +
           html::escape(tags) + "\"><button type=\"submit\">save digest settings</button></form>";
    out += "<h2>Private feed</h2>";
    if (m.feed_token.empty()) {
        out += "<p>A private RSS feed of your recommendations, for a feed reader.</p>";
    } else {
        const std::string url = (options.mail.base_url.empty() ? std::string() : options.mail.base_url) +
                                "/feeds/u/" + m.feed_token + "/recommend.xml";
        out += "<p>Your feed (keep it private): <code class=\"feed-url\">" + html::escape(url) +
               "</code></p>";
    }
    out += "<form class=\"account\" method=\"post\" action=\"/account/feed\">" + csrf +
           "<button type=\"submit\" name=\"action\" value=\"new\">" +
           (m.feed_token.empty() ? "create feed link" : "replace feed link") + "</button>";
    if (!m.feed_token.empty())
        out += " <button type=\"submit\" name=\"action\" value=\"revoke\">revoke feed link</button>";
    out += "</form></section>";
    return out;
}

void Site::Impl::add_mail_routes() {
    auto frame_of = [](const RequestContext& c, std::string title) {
        html::PageFrame f;
        f.title = std::move(title);
        f.user = c.user ? &*c.user : nullptr;
        f.csrf = c.csrf;
        return f;
    };
    auto message_page = [frame_of](const RequestContext& c, int status, std::string title,
                                   std::string_view message, bool ok) {
        std::string body = "<h1>" + html::escape(title) + "</h1><p class=\"" +
                           (ok ? "notice" : "error") + "\">" + html::escape(message) + "</p>";
        return Response::html(status, html::document(frame_of(c, title), body));
    };
    auto bad_json = [](const BadRequest& bad) { return Response::json_error(bad.status, bad.message); };
    auto with_user_and_csrf = [this](auto body) {
        return [this, body](Request& r) {
            auto& c = ctx(r);
            if (!csrf_ok(r, c))
                return Response::json_error(403, "missing or wrong CSRF token (send the csrf "
                                                 "cookie's value in X-CSRF-Token)");
            if (!c.user) return Response::json_error(401, "log in first");
            return body(r, c);
        };
    };

    router.add(Method::Get, "/api/account", [this](Request& r) {
        auto& c = ctx(r);
        if (!c.user) return Response::json_error(401, "log in first");
        return Response::json(200, account_json(*c.user));
    });
    router.add(Method::Put, "/api/account/email", with_user_and_csrf([this, bad_json](Request& r, RequestContext& c) {
        auto j = json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("email") || !j["email"].is_string())
            return Response::json_error(400, "expected JSON {\"email\": ...}");
        if (auto bad = change_email(*c.user, j["email"].get<std::string>())) return bad_json(*bad);
        return Response::json(200, account_json(*c.user));
    }));
    router.add(Method::Put, "/api/account/digest", with_user_and_csrf([this, bad_json](Request& r, RequestContext& c) {
        auto j = json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("frequency") || !j["frequency"].is_string())
            return Response::json_error(400, "expected JSON {\"frequency\": ..., \"tags\": [...]}");
        std::vector<std::string> tags;
        if (j.contains("tags")) {
            if (!j["tags"].is_array()) return Response::json_error(400, "tags is a list of names");
            for (const auto& t : j["tags"]) {
                if (!t.is_string()) return Response::json_error(400, "tags is a list of names");
                tags.push_back(t.get<std::string>());
            }
        }
        if (auto bad = change_digest(*c.user, j["frequency"].get<std::string>(), tags))
            return bad_json(*bad);
        return Response::json(200, account_json(*c.user));
    }));
    router.add(Method::Post, "/api/account/feed", with_user_and_csrf([this](Request&, RequestContext& c) {
        new_feed_token(*c.user);
        return Response::json(200, account_json(*c.user));
    }));
    router.add(Method::Delete, "/api/account/feed", with_user_and_csrf([this](Request&, RequestContext& c) {
        users.set_feed_token(c.user->id, "");
        return Response::json(200, account_json(*c.user));
    }));

    // The verification link (from the mail; works in any browser, logged in or not).
    router.add(Method::Get, "/account/verify", [this, message_page](Request& r) {
        auto& c = ctx(r);
        const char* title = "E-mail address";
        auto token = parse_verify_token(r.query_param("token").value_or(""));
        if (!token) return message_page(c, 400, title, "This link is not valid.", false);
        if (token->expires < now_seconds())
            return message_page(c, 400, title, "This link has expired; ask for a new one on your "
                                               "account page.", false);
        const MailSettings m = users.mail_settings(token->user_id);
        if (m.email.empty() ||
            !codec.signed_by_us(verify_message(token->user_id, m.email, token->nonce, token->expires),
                                token->mac) ||
            !users.verify_email(token->user_id, m.email, token->nonce))
            return message_page(c, 400, title, "This link is not valid (or was already used).", false);
        return message_page(c, 200, title, "Your address " + m.email + " is verified.", true);
    });

    // Forms of the account page (without script).
    auto form_route = [this, message_page](std::string path, auto body) {
        router.add(Method::Post, std::move(path), [this, message_page, body](Request& r) {
            auto& c = ctx(r);
            if (!c.user) return Response::redirect("/login?next=/account");
            if (!csrf_ok(r, c)) return message_page(c, 403, "Sorry", "The form expired; please try again.", false);
            std::optional<BadRequest> bad = body(r, c);
            if (bad) return message_page(c, bad->status, "Account", bad->message, false);
            return Response::redirect("/account#mail");
        });
    };
    form_route("/account/email", [this](Request& r, RequestContext& c) {
        auto form = r.form();
        std::string email;
        for (const auto& [k, v] : form)
            if (k == "email") email = v;
        return change_email(*c.user, email);
    });
    form_route("/account/digest", [this](Request& r, RequestContext& c) {
        std::string frequency, tags;
        for (const auto& [k, v] : r.form()) {
            if (k == "frequency") frequency = v;
            if (k == "tags") tags = v;
        }
        if (tags.size() > 9000) return std::optional<BadRequest>(BadRequest{400, "too many tags"});
        return change_digest(*c.user, frequency, split_tags(tags));
    });
    form_route("/account/feed", [this](Request& r, RequestContext& c) {
        std::string action;
        for (const auto& [k, v] : r.form())
            if (k == "action") action = v;
        if (action == "revoke") users.set_feed_token(c.user->id, "");
        else new_feed_token(*c.user);
        return std::optional<BadRequest>();
    });

    // One-click unsubscribe (RFC 8058): the link of every digest. GET shows a button (link
    // scanners prefetch GETs, so a GET changes nothing); POST unsubscribes, with no session and
    // no CSRF token: the random token in the URL is the authority, as the RFC intends.
    auto unsubscribe_token = [](const Request& r) -> std::optional<std::string> {
        auto t = r.query_param("token");
        if (!t || !is_hex(*t, 48)) return std::nullopt;
        return std::string(*t);
    };
    router.add(Method::Get, "/unsubscribe", [message_page, frame_of, unsubscribe_token](Request& r) {
        auto& c = ctx(r);
        auto token = unsubscribe_token(r);
        if (!token) return message_page(c, 400, "Unsubscribe", "This link is not valid.", false);
        std::string body = "<h1>Unsubscribe</h1><form method=\"post\" action=\"/unsubscribe?token=" +
                           *token + "\"><p>Stop the e-mail digests to this address?</p>"
                           "<button type=\"submit\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                           "unsubscribe</button></form>";
        return Response::html(200, html::document(frame_of(c, "unsubscribe"), body));
    });
    router.add(Method::Post, "/unsubscribe", [this, message_page, unsubscribe_token](Request& r) {
        auto& c = ctx(r);
        auto token = unsubscribe_token(r);
        if (!token || !users.unsubscribe(*token))
            return message_page(c, 400, "Unsubscribe", "This link is not valid.", false);
        return message_page(c, 200, "Unsubscribe", "You will get no more digests. You can turn "
                                                   "them on again on your account page.", true);
    });
}

}  // namespace asp::serve
