// Fuzz target: one HTTP request, from its target and headers to serve's answer. The input is
//   METHOD SP TARGET LF (Name: value LF)* LF BODY
// (any bytes; a missing part is empty). It goes through what the server does with a request
// (set_target, lower-case header names, cookies, the X-Forwarded-For client address with a
// trusted proxy) and through Site::handle on a small site (papers with hostile text, an empty
// user store). serve's rule: bad input gets a 4xx, never a 500 or a crash. A 500 aborts.
// Before the site, the server's framing check (web::framing_error: Content-Length with
// Transfer-Encoding, conflicting lengths, codings) must answer 4xx or let it through, and the
// log helper must leave no control character in what it returns.
//
// Built as tests/fuzz/fuzz_request_replay (replays the committed corpus; a CTest test) and,
// with clang and -DASP_FUZZ=ON, as the libFuzzer binary fuzz_request (tests/fuzz/README.md).
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include <asp/core/log.hpp>
#include <asp/serve/site.hpp>
#include <asp/store/papers_db.hpp>
#include <asp/web/forwarded.hpp>
#include <asp/web/gzip.hpp>
#include <asp/web/server.hpp>

namespace {

struct Fixture {
    std::filesystem::path root;
    std::unique_ptr<asp::DataDir> dir;
    std::unique_ptr<asp::serve::SiteData> data;
    std::unique_ptr<asp::UserStore> users;
    std::unique_ptr<asp::serve::Site> site;
    asp::web::TrustedProxies proxies;

    Fixture() {
        spdlog::set_level(spdlog::level::off);
        char tmpl[] = "/tmp/asp-fuzz-XXXXXX";
        if (!mkdtemp(tmpl)) std::abort();
        root = tmpl;
        dir = std::make_unique<asp::DataDir>(root);
        dir->create_layout();
        {
            asp::PapersDb db(dir->papers_db(), asp::OpenMode::ReadWrite);
            const char* ids[] = {"2101.00001", "2101.00002", "cs/0112017"};
            for (const char* id : ids) {
                asp::Paper p;
                p.id = id;
                p.title = "<script>alert(1)</script> title of " + p.id;
                p.abstract = "\"><img src=x onerror=alert(2)> javascript:alert(3)";
                p.authors = {"<i>Eve</i>", "Ada \"Countess\" Lovelace"};
                p.categories = {"cs.DC"};
                p.primary_category = "cs.DC";
                p.published = p.updated = "2021-01-01T00:00:00Z";
                db.upsert(p);
            }
        }
        data = std::make_unique<asp::serve::SiteData>(*dir, asp::serve::make_empty_analysis_source());
        users = asp::open_user_store("", *dir);
        site = std::make_unique<asp::serve::Site>(asp::serve::SiteOptions{}, *dir, *data, *users,
                                                  std::string(48, 's'));
        proxies.add("127.0.0.1");
    }
    ~Fixture() {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
};

Fixture& fixture() {
    static Fixture f;
    return f;
}

std::string_view next_line(std::string_view& in) {
    size_t nl = in.find('\n');
    auto line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    auto& f = fixture();
    std::string_view in(reinterpret_cast<const char*>(bytes), size);
    asp::web::Request r;
    auto first = next_line(in);
    size_t sp = first.find(' ');
    r.method = asp::web::parse_method(first.substr(0, sp));
    asp::web::set_target(r, sp == std::string_view::npos ? "/" : first.substr(sp + 1));
    while (!in.empty()) {
        auto line = next_line(in);
        if (line.empty()) break;
        size_t colon = line.find(':');
        std::string name(line.substr(0, colon));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers.emplace_back(std::move(name), std::string(value));
    }
    r.body = std::string(in);
    if (auto cookie = r.header("cookie")) r.cookies = asp::web::parse_cookie_header(*cookie);
    std::vector<std::string_view> forwarded;
    for (const auto& [name, value] : r.headers)
        if (name == "x-forwarded-for") forwarded.emplace_back(value);
    r.client_ip = f.proxies.client_address("127.0.0.1", forwarded);
    (void)asp::web::accepts_gzip(r);
    (void)r.form();
    for (unsigned char c : asp::log_escape(r.path + r.body))
        if (c < 0x20 || c == 0x7f) std::abort();
    if (auto framing = asp::web::framing_error(r.headers, 64 * 1024)) {
        if (framing->first < 400 || framing->first >= 500) std::abort();
        return 0;  // the server answers it and closes; the site never sees it
    }

    auto resp = f.site->handle(r);
    if (resp.status < 100 || resp.status >= 500) {
        std::fprintf(stderr, "status %d for %s %s\n", resp.status,
                     asp::web::method_name(r.method), r.path.c_str());
        std::abort();
    }
    return 0;
}
