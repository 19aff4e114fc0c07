// S3Client and the credentials chain against a scripted HttpClient: addressing styles, the
// signed headers every request carries, retries with backoff then a clear error, listing
// pagination, multipart upload (and its abort), shared credentials files, IMDSv2 refresh.
#include <asp/net/http_client.hpp>
#include <asp/s3/client.hpp>
#include <asp/s3/credentials.hpp>

#include <deque>
#include <fstream>
#include <map>

#include <asp/core/sha256.hpp>

#include "unit/catch_compat.hpp"
#include "unit/fake_clock.hpp"
#include "unit/test_support.hpp"

using namespace asp;
using namespace asp::s3;

namespace {

class ScriptedHttp final : public HttpClient {
public:
    std::vector<HttpRequest> seen;
    std::function<HttpResponse(const HttpRequest&)> handler;
    HttpResponse perform(const HttpRequest& req) override {
        seen.push_back(req);
        HttpResponse r = handler(req);
        if (req.on_body && !r.body.empty()) {
            req.on_body(r.body);
            r.body.clear();
        }
        return r;
    }
};

HttpResponse reply(long status, std::string body = "", std::map<std::string, std::string> headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

HttpResponse transport_error() {
    HttpResponse r;
    r.transport_error = true;
    r.error = "Connection refused";
    return r;
}

struct Fixture {
    ScriptedHttp http;
    std::unique_ptr<CredentialsProvider> creds =
        make_static_credentials_provider({"AKID", "SECRET", "TOKEN"});
    test::FakeClock clock;  // 2026-01-01T00:00:00Z; records the retries' waits
    S3Config config(std::string endpoint = "") {
        S3Config c;
        c.region = "eu-west-3";
        c.endpoint = std::move(endpoint);
        return c;
    }
};

EnvLookup env_of(std::map<std::string, std::string> m) {
    return [m](std::string_view name) -> std::optional<std::string> {
        auto it = m.find(std::string(name));
        if (it == m.end()) return std::nullopt;
        return it->second;
    };
}

}  // namespace

TEST_CASE("S3 URLs: virtual-hosted on AWS, path-style on other endpoints", "[s3]") {
    Fixture f;
    f.http.handler = [](const HttpRequest&) { return reply(200, "x"); };
    S3Client aws(f.http, *f.creds, f.config(), f.clock);
    REQUIRE(aws.get("my-bucket", "dir/a b+ü.txt").ok());
    const auto& req = f.http.seen.back();
    CHECK(req.url == "https://my-bucket.s3.eu-west-3.amazonaws.com/dir/a%20b%2B%C3%BC.txt");
    CHECK(req.headers.at("host") == "my-bucket.s3.eu-west-3.amazonaws.com");
    CHECK(req.headers.at("x-amz-content-sha256") == kEmptySha256);
    CHECK(req.headers.at("x-amz-security-token") == "TOKEN");
    CHECK(req.headers.at("authorization").find("Credential=AKID/20260101/eu-west-3/s3/aws4_request") !=
          std::string::npos);
    CHECK(req.headers.at("authorization").find("x-amz-content-sha256;x-amz-date;x-amz-security-token") !=
          std::string::npos);
    CHECK(aws.object_url("dotted.bucket", "k") == "https://s3.eu-west-3.amazonaws.com/dotted.bucket/k");

    S3Client local(f.http, *f.creds, f.config("http://127.0.0.1:9000/"), f.clock);
    REQUIRE(local.put("bkt", "p/k", "body").ok());
    CHECK(f.http.seen.back().url == "http://127.0.0.1:9000/bkt/p/k");
    CHECK(f.http.seen.back().headers.at("host") == "127.0.0.1:9000");
    CHECK(f.http.seen.back().headers.at("x-amz-content-sha256") == sha256_hex("body"));

    auto c = S3Config::from_env(env_of({{"AWS_ENDPOINT_URL", "http://localhost:1"},
                                        {"AWS_S3_ADDRESSING_STYLE", "virtual"},
                                        {"AWS_DEFAULT_REGION", "ap-south-1"},
                                        {"AWS_MAX_ATTEMPTS", "7"}}));
    CHECK(c.region == "ap-south-1");
    CHECK(c.addressing == Addressing::VirtualHosted);
    CHECK(c.max_attempts == 7);
    CHECK(S3Config::from_env(env_of({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "x"}})).region ==
          "us-west-2");

    CHECK(parse_s3_url("s3://bkt/a/b/")->prefix == "a/b");
    CHECK(parse_s3_url("s3://bkt")->prefix.empty());
    CHECK(parse_s3_url("http://bkt/x").error().code == ErrorCode::invalid_argument);
    CHECK(parse_s3_url("s3://Bad_Bucket/x").error().code == ErrorCode::invalid_argument);
}

TEST_CASE("S3 retries 5xx, SlowDown and transport errors with growing waits, then fails clearly", "[s3]") {
    Fixture f;
    int calls = 0;
    f.http.handler = [&](const HttpRequest&) {
        ++calls;
        if (calls == 1) return transport_error();
        if (calls == 2) return reply(500, "<Error><Code>InternalError</Code></Error>");
        if (calls == 3) return reply(400, "<Error><Code>SlowDown</Code></Error>");
        return reply(200, "ok");
    };
    S3Client client(f.http, *f.creds, f.config(), f.clock);
    auto r = client.get("bkt", "k");
    REQUIRE(r.ok());
    CHECK(**r == "ok");
    CHECK(calls == 4);
    REQUIRE(f.clock.sleeps.size() == 3);
    CHECK(f.clock.sleeps[0] <= 0.200);
    CHECK(f.clock.sleeps[2] >= 0.400);  // 800 ms cap, at least half of it

    f.http.handler = [](const HttpRequest&) {
        return reply(503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
    };
    auto down = client.put("bkt", "k", "x");
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == ErrorCode::unavailable);
    CHECK(down.error().message ==
          "PUT s3://bkt/k: HTTP 503 SlowDown: Please reduce your request rate. (gave up after 5 attempts)");

    calls = 0;
    f.http.handler = [&](const HttpRequest&) {
        ++calls;
        return reply(403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
    };
    auto denied = client.get("bkt", "k");
    REQUIRE_FALSE(denied.ok());
    CHECK(calls == 1);  // not retried
    CHECK(denied.error().code == ErrorCode::unavailable);
    CHECK(denied.error().message == "GET s3://bkt/k: HTTP 403 AccessDenied: Access Denied");

    f.http.handler = [](const HttpRequest&) { return transport_error(); };
    CHECK(client.get("bkt", "k").error().code == ErrorCode::io_error);  // never an answer
    f.http.handler = [](const HttpRequest&) { return reply(404); };
    auto missing = client.download("bkt", "k", [] {}, [](std::string_view) { return true; });
    CHECK(missing.error().code == ErrorCode::not_found);
}

TEST_CASE("S3 listing follows continuation tokens", "[s3]") {
    Fixture f;
    f.http.handler = [](const HttpRequest& req) {
        if (req.url.find("continuation-token=tok%2B1") == std::string::npos)
            return reply(200, "<ListBucketResult><IsTruncated>true</IsTruncated>"
                              "<Contents><Key>p/a</Key><Size>3</Size></Contents>"
                              "<NextContinuationToken>tok+1</NextContinuationToken></ListBucketResult>");
        return reply(200, "<ListBucketResult><IsTruncated>false</IsTruncated>"
                          "<Contents><Key>p/b &amp; c</Key><Size>4</Size></Contents></ListBucketResult>");
    };
    S3Client client(f.http, *f.creds, f.config("http://127.0.0.1:1"), f.clock);
    auto l = client.list("bkt", "p/");
    REQUIRE(l.ok());
    REQUIRE(l->size() == 2);
    CHECK((*l)[1].key == "p/b & c");
    CHECK((*l)[1].size == 4);
    CHECK(f.http.seen[0].url == "http://127.0.0.1:1/bkt?list-type=2&max-keys=1000&prefix=p%2F");
}

TEST_CASE("S3 multipart upload: parts, completion, abort on a failed part", "[s3]") {
    test::TempDir tmp;
    auto file = tmp / "big.bin";
    {
        std::ofstream out(file, std::ios::binary);
        out << std::string(25, 'a');
    }
    Fixture f;
    int part_failures = 0;
    std::vector<std::string> parts;
    f.http.handler = [&](const HttpRequest& req) {
        if (req.method == "POST" && req.url.find("uploads=") != std::string::npos)
            return reply(200, "<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>");
        if (req.method == "PUT" && req.url.find("partNumber=") != std::string::npos) {
            if (part_failures-- > 0) return reply(403, "<Error><Code>AccessDenied</Code></Error>");
            parts.push_back(req.body);
            return reply(200, "", {{"etag", "\"e" + std::to_string(parts.size()) + "\""}});
        }
        if (req.method == "POST") return reply(200, "<CompleteMultipartUploadResult/>");
        if (req.method == "DELETE") return reply(204);
        return reply(500);
    };
    auto config = f.config("http://127.0.0.1:1");
    config.multipart_threshold = 10;
    config.part_size = 10;
    S3Client client(f.http, *f.creds, config, f.clock);
    REQUIRE(client.upload_file("bkt", "k", file).ok());
    CHECK(parts == std::vector<std::string>{std::string(10, 'a'), std::string(10, 'a'), std::string(5, 'a')});
    const auto& done = f.http.seen.back();
    CHECK(done.url == "http://127.0.0.1:1/bkt/k?uploadId=U1");
    CHECK(done.body.find("<Part><PartNumber>3</PartNumber><ETag>\"e3\"</ETag></Part>") != std::string::npos);

    part_failures = 1;
    auto failed = client.upload_file("bkt", "k", file);
    REQUIRE_FALSE(failed.ok());
    CHECK(f.http.seen.back().method == "DELETE");  // aborted, no parts left behind
    CHECK(f.http.seen.back().url == "http://127.0.0.1:1/bkt/k?uploadId=U1");
}

TEST_CASE("credentials: environment, shared file profiles, IMDSv2 with refresh", "[s3]") {
    ScriptedHttp http;
    http.handler = [](const HttpRequest&) { return transport_error(); };
    auto from_env = make_default_credentials_provider(
        http, env_of({{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_SESSION_TOKEN", "T"}}));
    CHECK(from_env->get()->session_token == "T");
    CHECK(from_env->source() == "environment");

    test::TempDir tmp;
    {
        std::ofstream out(tmp / "credentials");
        out << "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n"
               "# comment\n[prod]\naws_access_key_id=P\r\naws_secret_access_key = PS\naws_session_token = PT\n";
    }
    auto from_file = make_default_credentials_provider(
        http, env_of({{"AWS_SHARED_CREDENTIALS_FILE", (tmp / "credentials").string()}, {"AWS_PROFILE", "prod"}}));
    auto c = from_file->get();
    REQUIRE(c.ok());
    CHECK(c->access_key_id == "P");
    CHECK(c->session_token == "PT");
    auto home = make_default_credentials_provider(http, env_of({{"HOME", "/nonexistent"},
                                                                {"AWS_EC2_METADATA_DISABLED", "true"}}));
    REQUIRE_FALSE(home->get().ok());
    CHECK(home->get().error().code == ErrorCode::not_found);

    // IMDSv2: token, role, keys; keys within 5 minutes of expiry are fetched again.
    int fetches = 0;
    std::string expiration = "2000-01-01T00:00:00Z";
    http.seen.clear();
    http.handler = [&](const HttpRequest& req) {
        if (req.method == "PUT" && req.url == "http://imds/latest/api/token") return reply(200, "TKN");
        if (req.headers.count("X-aws-ec2-metadata-token") == 0 || req.headers.at("X-aws-ec2-metadata-token") != "TKN")
            return reply(401);
        if (req.url == "http://imds/latest/meta-data/iam/security-credentials/") return reply(200, "role1\n");
        if (req.url == "http://imds/latest/meta-data/iam/security-credentials/role1") {
            ++fetches;
            return reply(200, R"({"AccessKeyId":"RK)" + std::to_string(fetches) +
                                  R"(","SecretAccessKey":"RS","Token":"RT","Expiration":")" + expiration + R"("})");
        }
        return reply(404);
    };
    test::FakeClock clock;  // 2026-01-01
    auto role = make_default_credentials_provider(
        http, env_of({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://imds/"}}), clock);
    CHECK(role->get()->access_key_id == "RK1");
    CHECK(http.seen.front().method == "PUT");
    CHECK(role->source() == "instance role role1");
    CHECK(role->get()->access_key_id == "RK2");  // already expired: fetched again
    expiration = "2999-01-01T00:00:00Z";
    CHECK(role->get()->access_key_id == "RK3");
    CHECK(role->get()->access_key_id == "RK3");  // valid for long: cached
}
