// S3Client: the part of the S3 REST API that sync needs (ListObjectsV2, GET, HEAD, PUT,
// multipart upload, DELETE), over asp::HttpClient, every request signed with SigV4 (sigv4.hpp)
// including x-amz-content-sha256.
//
// Addressing: AWS itself gets virtual-hosted URLs (https://BUCKET.s3.REGION.amazonaws.com/KEY;
// path-style for bucket names with dots, which TLS certificates do not cover); an
// S3-compatible endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) gets path-style URLs
// (ENDPOINT/BUCKET/KEY) unless AWS_S3_ADDRESSING_STYLE=virtual says otherwise.
//
// Failures: every call returns a Result/Status. Transport errors, 500/502/503/504, 429,
// SlowDown and RequestTimeout are retried with exponential backoff and jitter (AWS_MAX_ATTEMPTS
// attempts in all, default 5); then the error names the request, the last status and S3's
// error code and message. Nothing here throws for S3 or network trouble.
//
// Thread-safety: one S3Client serves one thread at a time (sync runs its transfers in turn).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asp/core/clock.hpp>
#include <asp/core/result.hpp>
#include <asp/s3/credentials.hpp>

namespace asp {
class HttpClient;
struct HttpRequest;
struct HttpResponse;
}  // namespace asp

namespace asp::s3 {

// "s3://BUCKET/PREFIX" -> bucket and prefix (no leading or trailing '/'; may be empty).
struct S3Url {
    std::string bucket;
    std::string prefix;
    std::string str() const { return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix); }
};
Result<S3Url> parse_s3_url(std::string_view url);

enum class Addressing { Auto, Path, VirtualHosted };

struct S3Config {
    std::string region = "us-east-1";
    std::string endpoint;  // empty: AWS; else e.g. "http://127.0.0.1:4568"
    Addressing addressing = Addressing::Auto;
    int max_attempts = 5;
    std::chrono::milliseconds base_delay{200};
    std::chrono::milliseconds max_delay{20000};
    // Files above the threshold are uploaded in parts of part_size (S3: 5 MiB .. 5 GiB).
    uint64_t multipart_threshold = 16ull << 20;
    uint64_t part_size = 16ull << 20;
    // Keys per ListObjectsV2 page (S3's maximum and default: 1000); ASP_S3_LIST_PAGE_SIZE
    // lowers it so tests reach a second page with few objects.
    int list_page_size = 1000;

    // Region, endpoint, addressing and attempts from the AWS environment variables.
    static S3Config from_env(const EnvLookup& env);
};

struct ObjectInfo {
    std::string key;
    uint64_t size = 0;
    std::string etag;
};

class S3Client {
public:
    // `http`, `credentials` and `clock` must outlive the client. The clock gives the signing
    // time (x-amz-date) and waits between retries (tests pass a fake that does not sleep).
    S3Client(HttpClient& http, CredentialsProvider& credentials, S3Config config,
             Clock& clock = system_clock());

    // Every object under `prefix` (ListObjectsV2, following continuation tokens).
    Result<std::vector<ObjectInfo>> list(const std::string& bucket, const std::string& prefix);
    // nullopt when the object does not exist.
    Result<std::optional<ObjectInfo>> head(const std::string& bucket, const std::string& key);
    // The whole object in memory (small objects: manifests); nullopt when it does not exist.
    Result<std::optional<std::string>> get(const std::string& bucket, const std::string& key);
    // Streams the object to `sink`; `restart` is called before every attempt (so a retried
    // download starts from an empty sink). A sink returning false aborts the download.
    Status download(const std::string& bucket, const std::string& key,
                    const std::function<void()>& restart,
                    const std::function<bool(std::string_view)>& sink);
    Status put(const std::string& bucket, const std::string& key, std::string_view body,
               const std::string& content_type = "application/octet-stream");
    // A file: one PUT up to the multipart threshold, else a multipart upload (aborted on
    // failure, so no parts are left behind by an error this process sees).
    Status upload_file(const std::string& bucket, const std::string& key,
                       const std::filesystem::path& file);
    Status remove(const std::string& bucket, const std::string& key);

    const S3Config& config() const { return config_; }
    // The URL of an object (for messages and tests).
    std::string object_url(const std::string& bucket, const std::string& key,
                           const std::string& query = "") const;

private:
    struct Call;
    HttpResponse send(Call& call);
    Result<HttpResponse> send_with_retries(Call& call);
    Status upload_multipart(const std::string& bucket, const std::string& key,
                            const std::filesystem::path& file, uint64_t size);

    HttpClient& http_;
    CredentialsProvider& credentials_;
    S3Config config_;
    Clock& clock_;
    std::string scheme_, host_, base_path_;
};

}  // namespace asp::s3
