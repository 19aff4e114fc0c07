#include <asp/mail/smtp.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <curl/curl.h>

namespace asp::mail {
namespace {

struct Upload {
    std::string_view data;
    size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t nitems, void* userdata) {
    auto* up = static_cast<Upload*>(userdata);
    const size_t room = size * nitems;
    const size_t n = std::min(room, up->data.size() - up->offset);
    std::memcpy(buffer, up->data.data() + up->offset, n);
    up->offset += n;
    return n;
}

size_t discard(char*, size_t size, size_t nitems, void*) { return size * nitems; }

class SmtpSender final : public MailSender {
public:
    explicit SmtpSender(SmtpConfig config) : config_(std::move(config)), curl_(curl_easy_init()) {
        if (!curl_) throw std::runtime_error("curl_easy_init failed");
    }
    ~SmtpSender() override { curl_easy_cleanup(curl_); }
    SmtpSender(const SmtpSender&) = delete;
    SmtpSender& operator=(const SmtpSender&) = delete;

    SendResult send(std::string_view from, std::string_view to, std::string_view data) override {
        CURL* c = curl_;
        curl_easy_reset(c);
        Upload up{data, 0};
        const std::string from_arg = "<" + std::string(from) + ">";
        const std::string to_arg = "<" + std::string(to) + ">";
        curl_slist* rcpt = curl_slist_append(nullptr, to_arg.c_str());
        char errbuf[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        if (config_.url.rfind("smtp://", 0) == 0)
            curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
        if (!config_.username.empty()) {
            curl_easy_setopt(c, CURLOPT_USERNAME, config_.username.c_str());
            curl_easy_setopt(c, CURLOPT_PASSWORD, config_.password.c_str());
        }
        if (!config_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file.c_str());
        curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_arg.c_str());
        curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(config_.timeout.count()));
        const CURLcode rc = curl_easy_perform(c);
        curl_slist_free_all(rcpt);

        SendResult r;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
        r.detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        if (rc == CURLE_OK) {
            r.outcome = SendOutcome::Sent;
            r.detail = "accepted";
        } else if (rc == CURLE_LOGIN_DENIED || rc == CURLE_COULDNT_CONNECT ||
                   rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_OPERATION_TIMEDOUT ||
                   rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
                   rc == CURLE_USE_SSL_FAILED || rc == CURLE_UNSUPPORTED_PROTOCOL ||
                   rc == CURLE_URL_MALFORMAT || r.code == 0) {
            r.outcome = SendOutcome::Unavailable;
        } else if (r.code >= 400 && r.code < 500) {
            r.outcome = SendOutcome::Transient;
        } else if (r.code >= 500) {
            r.outcome = SendOutcome::Permanent;
        } else {
            r.outcome = SendOutcome::Unavailable;
        }
        return r;
    }

private:
    SmtpConfig config_;
    CURL* curl_;
};

}  // namespace

bool valid_smtp_url(std::string_view url) {
    std::string_view rest;
    if (url.rfind("smtp://", 0) == 0) rest = url.substr(7);
    else if (url.rfind("smtps://", 0) == 0) rest = url.substr(8);
    else return false;
    if (rest.empty() || rest.size() > 255) return false;
    const size_t slash = rest.find('/');
    const std::string_view host = rest.substr(0, slash);
    if (host.empty()) return false;
    return std::all_of(rest.begin(), rest.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && c != '@';
    });
}

std::unique_ptr<MailSender> make_smtp_sender(SmtpConfig config) {
    return std::make_unique<SmtpSender>(std::move(config));
}

const char* outcome_name(SendOutcome outcome) {
    switch (outcome) {
        case SendOutcome::Sent: return "sent";
        case SendOutcome::Transient: return "transient";
        case SendOutcome::Permanent: return "permanent";
        case SendOutcome::Unavailable: return "unavailable";
    }
    return "?";
}

}  // namespace asp::mail
