// Mail messages: address checks, header-injection refusal, MIME structure.
#include <asp/mail/message.hpp>
#include <asp/mail/smtp.hpp>

#include "unit/catch_compat.hpp"

using namespace asp::mail;

TEST_CASE("addresses: what a site accepts", "[mail]") {
    CHECK(valid_address("ann@example.org"));
    CHECK(valid_address("first.last+tag@sub.example.co.uk"));
    CHECK(valid_address("o'hara@example.org"));
    CHECK_FALSE(valid_address("ann@localhost"));             // no dot in the domain
    CHECK_FALSE(valid_address("ann@example.org\r\nBcc: x@y.org"));
    CHECK_FALSE(valid_address("ann@exa mple.org"));
    CHECK_FALSE(valid_address("<ann@example.org>"));
    CHECK_FALSE(valid_address("ann..b@example.org"));
    CHECK_FALSE(valid_address(".ann@example.org"));
    CHECK_FALSE(valid_address("ann@-example.org"));
    CHECK_FALSE(valid_address("ann@example..org"));
    CHECK_FALSE(valid_address("\"ann\"@example.org"));
    CHECK_FALSE(valid_address(std::string("ann\0x@example.org", 17)));
    CHECK_FALSE(valid_address(std::string(65, 'a') + "@example.org"));
    CHECK_FALSE(valid_address("a@" + std::string(250, 'b') + ".org"));
    CHECK_FALSE(valid_address("ann@exämple.org"));
    CHECK(normalize_address("Ann@Example.ORG") == "Ann@example.org");
}

TEST_CASE("smtp URLs", "[mail]") {
    CHECK(valid_smtp_url("smtp://127.0.0.1:2525"));
    CHECK(valid_smtp_url("smtps://email-smtp.eu-west-1.amazonaws.com:465"));
    CHECK_FALSE(valid_smtp_url("http://example.org"));
    CHECK_FALSE(valid_smtp_url("smtp://"));
    CHECK_FALSE(valid_smtp_url("smtp://user:pw@host"));
    CHECK_FALSE(valid_smtp_url("smtp://host\r\n"));
}

TEST_CASE("render: headers cannot be injected, bodies are base64 MIME parts", "[mail]") {
    Message m;
    m.from = "digest@example.org";
    m.from_name = "arxiv-sanity";
    m.to = "ann@example.org";
    m.subject = "3 new papers";
    m.text = "plain\r\n.\r\nline after a lone dot";
    m.html = "<p>html</p>";
    m.headers = {{"List-Unsubscribe", "<https://example.org/unsubscribe?token=abc>"},
                 {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
    RenderOptions o;
    o.date = 1764655200;  // 2025-12-02T06:00:00Z
    o.message_id = "<x@example.org>";
    o.boundary = "BOUNDARY";
    std::string why;
    auto out = render(m, o, &why);
    REQUIRE(out);
    CHECK(out->find("Date: Tue, 02 Dec 2025 06:00:00 +0000\r\n") != std::string::npos);
    CHECK(out->find("From: \"arxiv-sanity\" <digest@example.org>\r\n") != std::string::npos);
    CHECK(out->find("To: <ann@example.org>\r\n") != std::string::npos);
    CHECK(out->find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") != std::string::npos);
    CHECK(out->find("Content-Type: multipart/alternative; boundary=\"BOUNDARY\"") != std::string::npos);
    CHECK(out->find("--BOUNDARY--\r\n") != std::string::npos);
    CHECK(out->find("line after") == std::string::npos);  // the body is base64, not raw lines
    // Every line ends in CRLF; no bare LF.
    for (size_t i = 0; i < out->size(); ++i)
        if ((*out)[i] == '\n') REQUIRE((i > 0 && (*out)[i - 1] == '\r'));

    for (auto bad : {std::string("x\r\nBcc: evil@example.org"), std::string("x\nBcc: e@x.org"),
                     std::string("x\0y", 3)}) {
        Message s = m;
        s.subject = bad;
        CHECK_FALSE(render(s, o, &why));
        Message n = m;
        n.from_name = bad;
        CHECK_FALSE(render(n, o, &why));
        Message h = m;
        h.headers.push_back({"X-Test", bad});
        CHECK_FALSE(render(h, o, &why));
    }
    Message t = m;
    t.to = "ann@example.org>\r\nBcc: <evil@example.org";
    CHECK_FALSE(render(t, o, &why));
    Message hn = m;
    hn.headers.push_back({"Bad Name:", "x"});
    CHECK_FALSE(render(hn, o, &why));
}

TEST_CASE("render: non-ASCII subjects and names become RFC 2047 words", "[mail]") {
    CHECK(encode_header_words("plain") == "plain");
    const std::string w = encode_header_words("Schrödinger's cat");
    CHECK(w.rfind("=?UTF-8?B?", 0) == 0);
    // A long subject folds into several words, none splitting a UTF-8 sequence.
    std::string long_subject;
    for (int i = 0; i < 40; ++i) long_subject += "é";
    const std::string folded = encode_header_words(long_subject);
    CHECK(folded.find("\r\n ") != std::string::npos);
}
