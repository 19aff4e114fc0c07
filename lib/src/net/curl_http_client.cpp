#include <asp/net/http_client.hpp>

#include <algorithm>
#include <exception>
#include <mutex>
#include <stdexcept>

#include <curl/curl.h>

#include <asp/core/strings.hpp>

namespace asp {

std::optional<std::string> HttpResponse::header(std::string_view lowercase_name) const {
    auto it = headers.find(std::string(lowercase_name));
    if (it == headers.end()) return std::nullopt;
    return it->second;
}

std::string default_user_agent() {
    return std::string("arxiv-sanity-cpp/") + ASP_VERSION +
           " (+https://github.com/arxiv-sanity-cpp; polite batch client)";
}

namespace {

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
    const HttpRequest* request = nullptr;
    HttpResponse* response = nullptr;
    bool aborted_by_sink = false;
    bool too_large = false;
    // What a callback threw: libcurl is C, so nothing may unwind through it; the callback
    // stops the transfer instead and perform() rethrows this once curl has returned.
    std::exception_ptr thrown;
};

size_t write_body(Transfer* t, char* data, size_t n) {
    if (t->request->on_body) {
        if (!t->request->on_body(std::string_view(data, n))) {
            t->aborted_by_sink = true;
            return 0;
        }
        return n;
    }
    if (t->response->body.size() + n > t->request->max_body_bytes) {
        t->too_large = true;
        return 0;
    }
    t->response->body.append(data, n);
    return n;
}

size_t read_header(Transfer* t, char* data, size_t n) {
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
        t->response->headers.clear();  // a new response (after a redirect or 100-continue)
        return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = to_lower_ascii(line.substr(0, colon));
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
    t->response->headers[name] = std::string(value);
    return n;
}

// The callbacks libcurl calls (C): an exception is kept in the transfer and the transfer
// stopped (0 is what libcurl takes as "abort").
template <class Body>
size_t guarded(Transfer* t, Body&& body) noexcept {
    try {
        return body();
    } catch (...) {
        t->thrown = std::current_exception();
        return 0;
    }
}

size_t on_write(char* data, size_t size, size_t nmemb, void* user) {
    auto* t = static_cast<Transfer*>(user);
    return guarded(t, [&] { return write_body(t, data, size * nmemb); });
}

size_t on_header(char* data, size_t size, size_t nmemb, void* user) {
    auto* t = static_cast<Transfer*>(user);
    return guarded(t, [&] { return read_header(t, data, size * nmemb); });
}

class CurlHttpClient final : public HttpClient {
public:
    explicit CurlHttpClient(std::string user_agent) : user_agent_(std::move(user_agent)) {
        global_init_once();
        curl_ = curl_easy_init();
        if (!curl_) throw std::runtime_error("curl_easy_init failed");
    }
    ~CurlHttpClient() override { curl_easy_cleanup(curl_); }

    HttpResponse perform(const HttpRequest& req) override {
        HttpResponse resp;
        Transfer t;
        t.request = &req;
        t.response = &resp;
        curl_easy_reset(curl_);
        curl_easy_setopt(curl_, CURLOPT_URL, req.url.c_str());
        curl_easy_setopt(curl_, CURLOPT_USERAGENT, user_agent_.c_str());
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl_, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl_, CURLOPT_ACCEPT_ENCODING, "");
        // A Content-Length over the limit is refused before the body (on_write checks the rest).
        curl_easy_setopt(curl_, CURLOPT_MAXFILESIZE_LARGE,
                         req.on_body ? curl_off_t{0} : static_cast<curl_off_t>(req.max_body_bytes));
        curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(req.connect_timeout.count()));
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
        if (req.low_speed_bytes > 0) {
            curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, req.low_speed_bytes);
            curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME,
                             static_cast<long>(req.low_speed_time.count()));
        }
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &t);

        if (req.method == "HEAD") {
            curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
        } else if (req.method != "GET") {
            curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, req.method.c_str());
            if (!req.body.empty() || req.method == "PUT" || req.method == "POST") {
                curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, req.body.data());
                curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                                 static_cast<curl_off_t>(req.body.size()));
            }
        }
        curl_slist* headers = nullptr;
        for (const auto& [name, value] : req.headers)
            headers = curl_slist_append(headers, (name + ": " + value).c_str());
        if (req.method == "PUT" || req.method == "POST")
            headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);

        CURLcode rc = curl_easy_perform(curl_);
        curl_slist_free_all(headers);
        if (t.thrown) std::rethrow_exception(t.thrown);
        if (rc != CURLE_OK) {
            resp.transport_error = true;
            resp.status = 0;
            resp.too_large = t.too_large || rc == CURLE_FILESIZE_EXCEEDED;
            resp.error = resp.too_large ? "response body over the size limit of " +
                                              std::to_string(req.max_body_bytes) + " bytes"
                         : t.aborted_by_sink ? "aborted by the receiver"
                                             : curl_easy_strerror(rc);
            return resp;
        }
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &resp.status);
        return resp;
    }

private:
    std::string user_agent_;
    CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_http_client(std::string user_agent) {
    return std::make_unique<CurlHttpClient>(std::move(user_agent));
}

}  // namespace asp
