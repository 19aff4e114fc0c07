// The digest's schedule and its message (the whole stage runs in
// tests/integration/test_digest_smtp.py against a real SMTP server).
#include <asp/core/time.hpp>
#include <asp/digest/digest.hpp>

#include "unit/catch_compat.hpp"

using namespace asp;
using namespace asp::digest;

TEST_CASE("digest schedule: due after a day or a week, first digest looks back one period",
          "[digest]") {
    const int64_t now = *parse_iso8601("2026-12-02T06:00:00Z");
    MailSettings m;
    m.frequency = "off";
    CHECK_FALSE(digest_due(m, now));
    m.frequency = "daily";
    CHECK(digest_due(m, now));  // never sent
    CHECK(digest_since(m, now) == now - 86400);
    m.last_digest_at = "2026-12-01T06:05:00Z";  // cron drifted a few minutes
    CHECK(digest_due(m, now));
    m.last_digest_at = "2026-12-02T01:00:00Z";
    CHECK_FALSE(digest_due(m, now));
    CHECK(digest_since(m, now) == *parse_iso8601("2026-11-30T01:00:00Z"));
    m.frequency = "weekly";
    m.last_digest_at = "2026-11-28T06:00:00Z";
    CHECK_FALSE(digest_due(m, now));
    m.last_digest_at = "2026-11-25T06:00:00Z";
    CHECK(digest_due(m, now));
    m.last_digest_at = "";
    CHECK(digest_since(m, now) == now - 7 * 86400);
}

TEST_CASE("digest message: escaped HTML, unsubscribe headers, links to the site", "[digest]") {
    DigestParams p;
    p.from = "digest@example.org";
    p.base_url = "https://papers.example.org";
    DigestRecipient r;
    r.user_id = 7;
    r.username = "ann";
    r.mail.email = "ann@example.org";
    r.mail.frequency = "daily";
    r.mail.unsubscribe_token = std::string(48, 'c');
    DigestContent c;
    DigestSection s;
    Paper hostile;
    hostile.id = "2101.99991";
    hostile.version = 2;
    hostile.title = "<script>alert(1)</script> \"quoted\"";
    hostile.authors = {"<b>Mallory</b>"};
    hostile.abstract = "a\nb <img src=x onerror=alert(2)>";
    hostile.published = "2026-12-01T10:00:00Z";
    Paper old_style = hostile;
    old_style.id = "cs/0112017";
    old_style.title = "Old style";
    s.items = {{hostile, 1.5}, {old_style, 0.5}};
    c.sections.push_back(s);
    auto m = render_digest(p, r, c, [](const Paper& paper) { return paper.id == "cs/0112017"; });
    CHECK(m.subject == "2 new papers for you (daily digest)");
    CHECK(m.html.find("<script>") == std::string::npos);
    CHECK(m.html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(m.html.find("<img src=x") == std::string::npos);
    CHECK(m.html.find("https://papers.example.org/similar/cs/0112017") != std::string::npos);
    CHECK(m.html.find("https://papers.example.org/thumbs/cs_0112017v2.jpg") != std::string::npos);
    CHECK(m.html.find("/thumbs/2101.99991v2.jpg") == std::string::npos);  // no strip: no image
    CHECK(m.text.find("https://arxiv.org/abs/2101.99991v2") != std::string::npos);
    CHECK(m.text.find("Unsubscribe: https://papers.example.org/unsubscribe?token=" +
                      r.mail.unsubscribe_token) != std::string::npos);
    bool one_click = false;
    for (const auto& [name, value] : m.headers)
        if (name == "List-Unsubscribe-Post") one_click = value == "List-Unsubscribe=One-Click";
    CHECK(one_click);
    CHECK(valid_base_url("https://papers.example.org"));
    CHECK(valid_base_url("http://127.0.0.1:5000"));
    CHECK_FALSE(valid_base_url("https://papers.example.org/"));
    CHECK_FALSE(valid_base_url("javascript:alert(1)"));
    CHECK_FALSE(valid_base_url("https://a.org/\"><script>"));
}
