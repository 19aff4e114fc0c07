// Comment text: what is accepted, how it is stored and how a page shows it.
#include "serve/comment_text.hpp"

#include "unit/catch_compat.hpp"

using namespace asp::serve;

namespace {
std::string stored(std::string_view text) {
    auto r = check_comment_text(text);
    REQUIRE(std::holds_alternative<std::string>(r));
    return std::get<std::string>(r);
}
bool refused(std::string_view text) { return std::holds_alternative<CommentTextError>(check_comment_text(text)); }
std::string html_of(std::string_view text) {
    std::string out;
    append_comment_html(out, text);
    return out;
}
}  // namespace

TEST_CASE("comment text: accepted, normalised, refused", "[serve][discuss]") {
    CHECK(stored("a\r\nb\rc\n\n") == "a\nb\nc");
    CHECK(stored("\n\nhello  ") == "hello");
    CHECK(stored("tab\there, é, 日本, \xEF\xBF\xBD") == "tab\there, é, 日本, \xEF\xBF\xBD");
    CHECK(refused(""));
    CHECK(refused(" \n\t"));
    CHECK(refused(std::string("nul\0byte", 8)));
    CHECK(refused("bell\a"));
    CHECK(refused("c1 \xC2\x85"));
    CHECK(refused("bidi \xE2\x80\xAE"));
    CHECK(refused("bad \xFF utf-8"));
    CHECK(refused("cut \xE6\x97"));
    CHECK(refused("overlong \xC0\xAF"));
    std::string max;
    for (int i = 0; i < 5000; ++i) max += "é";
    CHECK(stored(max) == max);
    CHECK(refused(max + "x"));
}

TEST_CASE("comment text as HTML: escaped, paragraphs, links", "[serve][discuss]") {
    CHECK(html_of("<script>x</script> & \"'") == "<p>&lt;script&gt;x&lt;/script&gt; &amp; &quot;&#39;</p>");
    CHECK(html_of("one\ntwo\n\n\nthree") == "<p>one<br>two</p><p>three</p>");
    CHECK(html_of("see https://example.org/a?b=1&c=2.") ==
          "<p>see <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc noopener\">"
          "https://example.org/a?b=1&amp;c=2</a>.</p>");
    CHECK(html_of("x http://a.b/\"onmouseover=alert(1)") ==
          "<p>x <a href=\"http://a.b/\" rel=\"nofollow ugc noopener\">http://a.b/</a>&quot;onmouseover=alert(1)</p>");
    CHECK(html_of("javascript:alert(1) and http:// alone and httpx") ==
          "<p>javascript:alert(1) and http:// alone and httpx</p>");
    CHECK(html_of("![img](http://x.y/i.png)") ==
          "<p>![img](<a href=\"http://x.y/i.png\" rel=\"nofollow ugc noopener\">http://x.y/i.png</a>)</p>");
}
