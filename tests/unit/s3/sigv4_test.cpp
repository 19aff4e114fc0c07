// SigV4 against AWS's published test suite (committed: tests/fixtures/s3/aws-sig-v4-test-suite,
// provenance in tests/fixtures/s3/README.md): for every
// case a plain HTTP client can send, the canonical request, the string to sign and the
// Authorization header must equal AWS's files byte for byte. Plus the S3 GET Object example
// of AWS's S3 API reference (S3-EXAMPLE.md).
#include <asp/s3/sigv4.hpp>

#include <asp/core/sha256.hpp>
#include <asp/web/url.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "unit/catch_compat.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace asp::s3;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view q) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!q.empty()) {
        auto amp = q.find('&');
        auto part = q.substr(0, amp);
        auto eq = part.find('=');
        if (eq == std::string_view::npos)
            out.emplace_back(url_decode(part, false), "");
        else
            out.emplace_back(url_decode(part.substr(0, eq), false), url_decode(part.substr(eq + 1), false));
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
    return out;
}

// A .req file: "METHOD PATH[?QUERY] HTTP/1.1", headers "Name:value" (a line starting with
// white space continues the previous header: one more value), an empty line, the body.
SignableRequest parse_req(const std::string& text, std::string& amz_date) {
    SignableRequest r;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    auto sp = line.find(' ');
    auto http = line.rfind(" HTTP/");
    r.method = line.substr(0, sp);
    std::string target = line.substr(sp + 1, http - sp - 1);
    auto qm = target.find('?');
    r.path = url_decode(target.substr(0, qm), false);
    if (qm != std::string::npos) r.query = parse_query(std::string_view(target).substr(qm + 1));
    std::string body;
    bool in_body = false;
    while (std::getline(in, line)) {
        if (in_body) {
            body += (body.empty() ? "" : "\n") + line;
        } else if (line.empty()) {
            in_body = true;
        } else if (line[0] == ' ' || line[0] == '\t') {
            r.headers.emplace_back(r.headers.back().first, line);
        } else {
            auto colon = line.find(':');
            r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
            if (r.headers.back().first == "X-Amz-Date") amz_date = r.headers.back().second;
        }
    }
    r.payload_sha256_hex = sha256_hex(body);
    return r;
}

}  // namespace

TEST_CASE("SigV4 primitives", "[s3][sigv4]") {
    CHECK(sha256_hex("") == kEmptySha256);
    CHECK(url_encode("a b/ü~", false) == "a%20b%2F%C3%BC~");
    CHECK(url_encode("a b/ü~", true) == "a%20b/%C3%BC~");
    CHECK(url_decode("%E1%88%B4%2x", false) == "\xE1\x88\xB4%2x");
    CHECK(canonical_uri("/a//b/../c/./", PathNormalization::Normalize) == "/a/c/");
    CHECK(canonical_uri("/a//b/../c", PathNormalization::AsIs) == "/a//b/../c");
    CHECK(canonical_query({{"b", "2"}, {"a", "x y"}, {"a", "1"}}) == "a=1&a=x%20y&b=2");
    Sha256 h;
    h.update("ab");
    h.update("c");
    CHECK(h.hex_digest() == sha256_hex("abc"));
}

TEST_CASE("SigV4 matches AWS's published test suite", "[s3][sigv4]") {
    fs::path suite = asp::test::fixtures_dir() / "s3" / "aws-sig-v4-test-suite";
    REQUIRE(fs::is_directory(suite));
    // The two x-www-form-urlencoded cases are not signable by any client: their .creq lists
    // content-type among the canonical headers but not among the signed ones, and their
    // .authz signs it; the "-parameters" one moves the body into the query. AWS's own SDKs
    // skip them too.
    const std::set<std::string> skipped = {"post-x-www-form-urlencoded",
                                           "post-x-www-form-urlencoded-parameters"};
    Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
    int checked = 0;
    for (const auto& entry : fs::recursive_directory_iterator(suite)) {
        if (entry.path().extension() != ".req") continue;
        std::string name = entry.path().stem().string();
        if (skipped.count(name)) continue;
        auto base = entry.path().parent_path() / name;
        std::string amz_date;
        auto req = parse_req(slurp(entry.path()), amz_date);
        SigningScope scope{amz_date, "us-east-1", "service"};
        INFO("case " << name);
        auto creq = canonical_request(req, PathNormalization::Normalize);
        CHECK(creq == slurp(base.string() + ".creq"));
        auto sts = string_to_sign(scope, creq);
        CHECK(sts == slurp(base.string() + ".sts"));
        CHECK(authorization_header(creds, scope, req, PathNormalization::Normalize) ==
              slurp(base.string() + ".authz"));
        ++checked;
    }
    CHECK(checked >= 28);
}

TEST_CASE("SigV4 matches AWS's S3 GET Object example", "[s3][sigv4]") {
    SignableRequest r;
    r.method = "GET";
    r.path = "/test.txt";
    r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"Range", "bytes=0-9"},
                 {"x-amz-content-sha256", std::string(kEmptySha256)},
                 {"x-amz-date", "20130524T000000Z"}};
    r.payload_sha256_hex = kEmptySha256;
    SigningScope scope{"20130524T000000Z", "us-east-1", "s3"};
    Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
    CHECK(authorization_header(creds, scope, r, PathNormalization::AsIs) ==
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
          "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
          "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}
