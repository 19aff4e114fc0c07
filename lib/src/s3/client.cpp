#include <asp/s3/client.hpp>

#include <cstdio>
#include <random>

#include <tinyxml2.h>

#include <asp/core/c_file.hpp>
#include <asp/core/sha256.hpp>
#include <asp/core/time.hpp>
#include <asp/net/http_client.hpp>

namespace asp::s3 {
namespace fs = std::filesystem;

namespace {

struct S3Error {
    std::string code, message;
};

S3Error parse_error(std::string_view body) {
    S3Error e;
    if (body.empty()) return e;
    tinyxml2::XMLDocument doc;
    if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) return e;
    auto* root = doc.RootElement();
    if (!root || std::string_view(root->Name()) != "Error") return e;
    if (auto* c = root->FirstChildElement("Code"); c && c->GetText()) e.code = c->GetText();
    if (auto* m = root->FirstChildElement("Message"); m && m->GetText()) e.message = m->GetText();
    return e;
}

bool retryable(const HttpResponse& r, const S3Error& e) {
    if (r.transport_error) return true;
    if (r.status == 500 || r.status == 502 || r.status == 503 || r.status == 504 || r.status == 429)
        return true;
    return e.code == "SlowDown" || e.code == "RequestTimeout" || e.code == "InternalError";
}

std::string xml_text(tinyxml2::XMLElement* parent, const char* name) {
    auto* el = parent->FirstChildElement(name);
    return el && el->GetText() ? el->GetText() : "";
}

}  // namespace

struct S3Client::Call {
    std::string method = "GET";
    std::string bucket, key;
    std::vector<std::pair<std::string, std::string>> query;
    std::map<std::string, std::string> headers;
    std::string_view body;
    const std::function<void()>* restart = nullptr;
    const std::function<bool(std::string_view)>* sink = nullptr;
    bool long_transfer = false;
    // Filled by send():
    bool sink_aborted = false;
    std::optional<Error> no_credentials;  // why send() could not sign
    std::string error_prefix;  // the start of a streamed body, to read S3's error from
    std::string describe() const {
        return method + " s3://" + bucket + "/" + key;
    }
};

S3Client::S3Client(HttpClient& http, CredentialsProvider& credentials, S3Config config,
                   Clock& clock)
    : http_(http), credentials_(credentials), config_(std::move(config)), clock_(clock) {
    std::string ep = config_.endpoint;
    if (ep.empty()) {
        scheme_ = "https";
        host_ = "s3." + config_.region + ".amazonaws.com";
    } else {
        auto sep = ep.find("://");
        scheme_ = sep == std::string::npos ? "https" : ep.substr(0, sep);
        std::string rest = sep == std::string::npos ? ep : ep.substr(sep + 3);
        auto slash = rest.find('/');
        host_ = rest.substr(0, slash);
        if (slash != std::string::npos) base_path_ = rest.substr(slash);
        while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
        // Drop a default port: the Host header (signed) must match what curl sends.
        if (scheme_ == "http" && host_.size() > 3 && host_.substr(host_.size() - 3) == ":80")
            host_.resize(host_.size() - 3);
        if (scheme_ == "https" && host_.size() > 4 && host_.substr(host_.size() - 4) == ":443")
            host_.resize(host_.size() - 4);
    }
}

namespace {
bool use_virtual_host(const S3Config& c, const std::string& bucket) {
    switch (c.addressing) {
        case Addressing::Path: return false;
        case Addressing::VirtualHosted: return true;
        case Addressing::Auto: return c.endpoint.empty() && bucket.find('.') == std::string::npos;
    }
    return false;
}
}  // namespace

std::string S3Client::object_url(const std::string& bucket, const std::string& key,
                                 const std::string& query) const {
    bool vh = use_virtual_host(config_, bucket);
    std::string host = vh ? bucket + "." + host_ : host_;
    std::string path = vh ? "/" + key : base_path_ + "/" + bucket + (key.empty() ? "" : "/" + key);
    return scheme_ + "://" + host + canonical_uri(path, PathNormalization::AsIs) +
           (query.empty() ? "" : "?" + query);
}

HttpResponse S3Client::send(Call& call) {
    auto creds = credentials_.get();
    if (!creds.ok()) {
        HttpResponse r;
        r.status = -1;  // not retryable: reported by send_with_retries
        r.error = creds.error().message;
        call.no_credentials = creds.error();
        return r;
    }
    bool vh = use_virtual_host(config_, call.bucket);
    std::string host = vh ? call.bucket + "." + host_ : host_;
    std::string path = vh ? "/" + call.key
                          : base_path_ + "/" + call.bucket + (call.key.empty() ? "" : "/" + call.key);

    SignableRequest sr;
    sr.method = call.method;
    sr.path = path;
    sr.query = call.query;
    sr.payload_sha256_hex = call.body.empty() ? std::string(kEmptySha256) : sha256_hex(call.body);
    std::string amz_date = format_iso8601_basic(to_unix_seconds(clock_.wall_now()));
    std::map<std::string, std::string> headers = call.headers;
    headers["host"] = host;
    headers["x-amz-date"] = amz_date;
    headers["x-amz-content-sha256"] = sr.payload_sha256_hex;
    if (!creds->session_token.empty()) headers["x-amz-security-token"] = creds->session_token;
    for (const auto& [k, v] : headers) sr.headers.emplace_back(k, v);
    SigningScope scope{amz_date, config_.region, "s3"};
    headers["authorization"] = authorization_header(*creds, scope, sr, PathNormalization::AsIs);

    HttpRequest req;
    req.method = call.method;
    std::string query = canonical_query(call.query);
    req.url = scheme_ + "://" + host + canonical_uri(path, PathNormalization::AsIs) +
              (query.empty() ? "" : "?" + query);
    req.headers = std::move(headers);
    req.body = std::string(call.body);
    if (call.long_transfer) {
        // Large bodies: no overall limit, but give up on a stalled connection.
        req.timeout = std::chrono::milliseconds(0);
        req.low_speed_bytes = 1024;
        req.low_speed_time = std::chrono::seconds(30);
    }
    call.sink_aborted = false;
    call.error_prefix.clear();
    if (call.sink) {
        if (call.restart) (*call.restart)();
        req.on_body = [&call](std::string_view chunk) {
            if (call.error_prefix.size() < 65536)
                call.error_prefix.append(chunk.substr(0, 65536 - call.error_prefix.size()));
            if (!(*call.sink)(chunk)) {
                call.sink_aborted = true;
                return false;
            }
            return true;
        };
    }
    return http_.perform(req);
}

Result<HttpResponse> S3Client::send_with_retries(Call& call) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string last;
    for (int attempt = 1;; ++attempt) {
        HttpResponse r = send(call);
        if (r.status == -1) return call.no_credentials ? *call.no_credentials : fail(r.error);
        if (call.sink_aborted)
            return fail(ErrorCode::io_error, call.describe() + ": aborted by the receiver");
        if (r.ok() || r.status == 404 || r.status == 304) return r;
        S3Error e = parse_error(call.sink ? std::string_view(call.error_prefix)
                                          : std::string_view(r.body));
        if (r.transport_error)
            last = r.error;
        else
            last = "HTTP " + std::to_string(r.status) + (e.code.empty() ? "" : " " + e.code) +
                   (e.message.empty() ? "" : ": " + e.message);
        // Trouble on the way (no answer) or the service refusing or failing (an answer).
        const ErrorCode code = r.transport_error ? ErrorCode::io_error : ErrorCode::unavailable;
        if (!retryable(r, e)) return fail(code, call.describe() + ": " + last);
        if (attempt >= config_.max_attempts)
            return fail(code, call.describe() + ": " + last + " (gave up after " +
                                  std::to_string(attempt) + " attempts)");
        // Exponential backoff with "equal jitter": half fixed, half random.
        auto cap = std::min<int64_t>(config_.max_delay.count(),
                                     config_.base_delay.count() << std::min(attempt - 1, 20));
        auto delay = cap / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(cap / 2 + 1));
        clock_.sleep_for(std::chrono::milliseconds(delay));
    }
}

Result<std::vector<ObjectInfo>> S3Client::list(const std::string& bucket, const std::string& prefix) {
    std::vector<ObjectInfo> out;
    std::string token;
    for (;;) {
        Call call;
        call.bucket = bucket;
        call.query = {{"list-type", "2"}, {"max-keys", std::to_string(config_.list_page_size)}};
        if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
        if (!token.empty()) call.query.emplace_back("continuation-token", token);
        auto r = send_with_retries(call);
        if (!r.ok()) return r.error();
        if (r->status == 404) return fail(ErrorCode::not_found, "LIST s3://" + bucket + ": no such bucket");
        tinyxml2::XMLDocument doc;
        if (doc.Parse(r->body.data(), r->body.size()) != tinyxml2::XML_SUCCESS ||
            !doc.RootElement() || std::string_view(doc.RootElement()->Name()) != "ListBucketResult")
            return fail(ErrorCode::corruption,
                        "LIST s3://" + bucket + "/" + prefix + ": malformed response");
        auto* root = doc.RootElement();
        for (auto* c = root->FirstChildElement("Contents"); c; c = c->NextSiblingElement("Contents")) {
            ObjectInfo o;
            o.key = xml_text(c, "Key");
            o.size = std::strtoull(xml_text(c, "Size").c_str(), nullptr, 10);
            o.etag = xml_text(c, "ETag");
            out.push_back(std::move(o));
        }
        bool truncated = xml_text(root, "IsTruncated") == "true";
        token = xml_text(root, "NextContinuationToken");
        if (!truncated) break;
        if (token.empty())
            return fail(ErrorCode::corruption,
                        "LIST s3://" + bucket + ": truncated page without a token");
    }
    return out;
}

Result<std::optional<ObjectInfo>> S3Client::head(const std::string& bucket, const std::string& key) {
    Call call;
    call.method = "HEAD";
    call.bucket = bucket;
    call.key = key;
    auto r = send_with_retries(call);
    if (!r.ok()) return r.error();
    if (r->status == 404) return std::optional<ObjectInfo>();
    ObjectInfo o;
    o.key = key;
    o.size = std::strtoull(r->header("content-length").value_or("0").c_str(), nullptr, 10);
    o.etag = r->header("etag").value_or("");
    return std::optional<ObjectInfo>(o);
}

Result<std::optional<std::string>> S3Client::get(const std::string& bucket, const std::string& key) {
    Call call;
    call.bucket = bucket;
    call.key = key;
    auto r = send_with_retries(call);
    if (!r.ok()) return r.error();
    if (r->status == 404) return std::optional<std::string>();
    return std::optional<std::string>(std::move(r->body));
}

Status S3Client::download(const std::string& bucket, const std::string& key,
                          const std::function<void()>& restart,
                          const std::function<bool(std::string_view)>& sink) {
    Call call;
    call.bucket = bucket;
    call.key = key;
    call.restart = &restart;
    call.sink = &sink;
    call.long_transfer = true;
    auto r = send_with_retries(call);
    if (!r.ok()) return r.error();
    if (r->status == 404) return fail(ErrorCode::not_found, call.describe() + ": no such object");
    return Ok{};
}

Status S3Client::put(const std::string& bucket, const std::string& key, std::string_view body,
                     const std::string& content_type) {
    Call call;
    call.method = "PUT";
    call.bucket = bucket;
    call.key = key;
    call.body = body;
    call.headers["content-type"] = content_type;
    call.long_transfer = true;
    auto r = send_with_retries(call);
    if (!r.ok()) return r.error();
    if (r->status == 404) return fail(ErrorCode::not_found, call.describe() + ": no such bucket");
    return Ok{};
}

Status S3Client::remove(const std::string& bucket, const std::string& key) {
    Call call;
    call.method = "DELETE";
    call.bucket = bucket;
    call.key = key;
    auto r = send_with_retries(call);
    if (!r.ok()) return r.error();
    return Ok{};
}

namespace {
std::string read_chunk(std::FILE* f, uint64_t n, const fs::path& path) {
    std::string buf(n, '\0');
    size_t got = std::fread(buf.data(), 1, n, f);
    if (got != n) throw std::runtime_error("cannot read " + path.string() + ": file changed or unreadable");
    return buf;
}
}  // namespace

Status S3Client::upload_file(const std::string& bucket, const std::string& key, const fs::path& file) {
    std::error_code ec;
    uint64_t size = fs::file_size(file, ec);
    if (ec) return fail(ErrorCode::io_error, "cannot read " + file.string() + ": " + ec.message());
    if (size > config_.multipart_threshold) return upload_multipart(bucket, key, file, size);
    CFile f = open_c_file(file, "rb");
    if (!f) return fail(ErrorCode::io_error, "cannot open " + file.string());
    std::string body;
    try {
        body = read_chunk(f.get(), size, file);
    } catch (const std::exception& e) {
        return fail(ErrorCode::io_error, e.what());
    }
    f.reset();
    return put(bucket, key, body);
}

Status S3Client::upload_multipart(const std::string& bucket, const std::string& key,
                                  const fs::path& file, uint64_t size) {
    Call start;
    start.method = "POST";
    start.bucket = bucket;
    start.key = key;
    start.query = {{"uploads", ""}};
    auto r = send_with_retries(start);
    if (!r.ok()) return r.error();
    tinyxml2::XMLDocument doc;
    std::string upload_id;
    if (doc.Parse(r->body.data(), r->body.size()) == tinyxml2::XML_SUCCESS && doc.RootElement())
        upload_id = xml_text(doc.RootElement(), "UploadId");
    if (!r->ok() || upload_id.empty())
        return fail(ErrorCode::unavailable, start.describe() +
                                                ": could not start a multipart upload (HTTP " +
                                                std::to_string(r->status) + ")");

    auto abort_upload = [&](Error why) -> Status {
        Call abort;
        abort.method = "DELETE";
        abort.bucket = bucket;
        abort.key = key;
        abort.query = {{"uploadId", upload_id}};
        (void)send_with_retries(abort);  // best effort: the error that matters is `why`
        return why;
    };

    CFile f = open_c_file(file, "rb");
    if (!f) return abort_upload(Error("cannot open " + file.string(), ErrorCode::io_error));
    std::string complete = "<CompleteMultipartUpload>";
    int part = 1;
    for (uint64_t offset = 0; offset < size; offset += config_.part_size, ++part) {
        std::string chunk;
        try {
            chunk = read_chunk(f.get(), std::min(config_.part_size, size - offset), file);
        } catch (const std::exception& e) {
            return abort_upload(Error(e.what(), ErrorCode::io_error));
        }
        Call put_part;
        put_part.method = "PUT";
        put_part.bucket = bucket;
        put_part.key = key;
        put_part.query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}};
        put_part.body = chunk;
        put_part.long_transfer = true;
        auto pr = send_with_retries(put_part);
        auto etag = pr.ok() ? pr->header("etag") : std::nullopt;
        if (!pr.ok() || !pr->ok() || !etag) {
            f.reset();
            return abort_upload(pr.ok() ? Error(put_part.describe() + ": part " +
                                                    std::to_string(part) + " not accepted (HTTP " +
                                                    std::to_string(pr->status) + ")",
                                                ErrorCode::unavailable)
                                        : pr.error());
        }
        complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" + *etag +
                    "</ETag></Part>";
    }
    f.reset();
    complete += "</CompleteMultipartUpload>";
    Call finish;
    finish.method = "POST";
    finish.bucket = bucket;
    finish.key = key;
    finish.query = {{"uploadId", upload_id}};
    finish.body = complete;
    finish.headers["content-type"] = "application/xml";
    auto fr = send_with_retries(finish);
    if (!fr.ok()) return abort_upload(fr.error());
    // S3 can answer 200 and still fail the completion: the error is then in the body.
    auto e = parse_error(fr->body);
    if (!fr->ok() || !e.code.empty())
        return abort_upload(Error(finish.describe() + ": completing the upload failed (" +
                                      (e.code.empty() ? "HTTP " + std::to_string(fr->status)
                                                      : e.code) +
                                      ")",
                                  ErrorCode::unavailable));
    return Ok{};
}

}  // namespace asp::s3
